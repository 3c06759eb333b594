using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Invoke-CloneTask: runs saved tasks and the tasks chained after them, recording each run
/// in the task's history; one CloneTaskRun per run.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTaskRun), typeof(CloneItemResult))]
public sealed class InvokeCloneTaskCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    public Guid Id { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    /// <summary>Run only the tasks named, not those chained after them (RunAfter).</summary>
    [Parameter]
    public SwitchParameter NoChain { get; set; }

    /// <summary>Also emit one CloneItemResult per changed item.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        var tasks = SelectTasks(Name, [Id], Task is null ? null : [Task]);
        foreach (var task in tasks)
        {
            if (IsWhatIf())
            {
                // The plan of this task's clone; chained tasks are not previewed (they run only after it).
                PreviewClone(task.ToRequest(), PassThru, oneOfMany: true);
                continue;
            }
            string chain = !NoChain && task.RunAfter.Count > 0 ? $", then {string.Join(", ", task.RunAfter)}" : "";
            if (!ShouldProcess(task.Name, $"Run task: {task.Source} -> {task.Destination}{chain}")) continue;
            var runner = new TaskRunner(store);
            TryRunEngine((events, token) => runner.Run(task, events, token, runChain: !NoChain), out _, item =>
            {
                if (item is CloneTaskRun || (PassThru && item is CloneItemResult)) WriteObject(item);
            }, confirmed: true);
        }
    }
}
