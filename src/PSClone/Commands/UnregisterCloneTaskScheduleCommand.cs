using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Unregister-CloneTaskSchedule: removes tasks from the platform scheduler and clears their
/// saved schedules; the tasks stay.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "CloneTaskSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTask))]
public sealed class UnregisterCloneTaskScheduleCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskName")]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    /// <summary>Emit each task as it is afterwards (without a schedule).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        var schedules = new TaskSchedules(store);
        foreach (var task in SelectTasks(Name, null, Task is null ? null : [Task]))
        {
            if (task.Schedule is not { } schedule)
            {
                WriteVerbose($"Task '{task.Name}' has no schedule; nothing was changed.");
                if (PassThru) WriteObject(task);
                continue;
            }
            string what = schedule.Scheduler is { } kind
                ? $"Remove its schedule ({schedule}) from {kind}"
                : $"Clear its saved schedule ({schedule}), which is registered nowhere";
            if (!ShouldProcess(task.Name, what)) continue;
            if (TryRunEngine((events, _) => { schedules.Unregister(task, events); return store.Get(task.Name); }, out var now, confirmed: true) && PassThru)
                WriteObject(now);
        }
    }
}
