using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Test-CloneTask: is the backup healthy? Its last successful run ended within -MaxAge, its
/// latest run did not fail, and its destination can be reached. The detection half of an Intune
/// remediation: -Quiet returns one boolean for all the tasks tested.</summary>
[Cmdlet(VerbsDiagnostic.Test, "CloneTask", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTaskHealth), typeof(bool))]
public sealed class TestCloneTaskCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    /// <summary>How recent the last successful run must be: 1d, 12h, or a TimeSpan.</summary>
    [Parameter(Mandatory = true)]
    [AgeTransformation]
    public TimeSpan MaxAge { get; set; }

    /// <summary>Return only $true (every task found and healthy) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private int _tested;
    private bool _allHealthy = true;

    protected override void ProcessRecord()
    {
        var check = new TaskHealthCheck(Store);
        foreach (var task in SelectTasks(Name, null, Task is null ? null : [Task]))
        {
            var health = RunEngine((_, _) => check.Test(task, MaxAge));
            _tested++;
            _allHealthy &= health.Healthy;
            if (!Quiet) WriteObject(health);
        }
    }

    /// <summary>Nothing tested, or a task that could not be found or read, is not healthy.</summary>
    protected override void EndProcessing()
    {
        if (Quiet) WriteObject(_tested > 0 && _allHealthy && ErrorsWritten == 0);
    }
}
