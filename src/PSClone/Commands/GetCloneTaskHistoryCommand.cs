using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Get-CloneTaskHistory: the recorded runs of tasks, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "CloneTaskHistory", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTaskRun))]
public sealed class GetCloneTaskHistoryCommand : CloneTaskCmdlet
{
    /// <summary>Task names; wildcards allowed. None: every task.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    /// <summary>Only the newest this many runs (after -Status and -After).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    [Parameter]
    public CloneStatus[]? Status { get; set; }

    /// <summary>Only runs that started after this time.</summary>
    [Parameter]
    public DateTime After { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        var tasks = SelectTasks(Name, null, Task is null ? null : [Task]);
        var bound = MyInvocation.BoundParameters;
        int? last = bound.ContainsKey(nameof(Last)) ? Last : null;
        DateTimeOffset? after = bound.ContainsKey(nameof(After)) ? new DateTimeOffset(After) : null;
        if (TryRunEngine((_, _) => store.GetHistory(tasks, last, Status, after), out var runs))
        {
            foreach (var run in runs) WriteObject(run);
        }
    }
}
