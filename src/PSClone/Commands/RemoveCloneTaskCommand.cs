using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Remove-CloneTask: removes tasks with their history and logs, after removing their
/// schedules; by name also a damaged task file, which Get-CloneTask only reports.</summary>
[Cmdlet(VerbsCommon.Remove, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTask))]
public sealed class RemoveCloneTaskCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask[]? Task { get; set; }

    /// <summary>Emit each removed task, as it was.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        if (ParameterSetName == TaskSet)
        {
            foreach (var task in RefreshTasks(Task)) Remove(store, task);
            return;
        }
        if (!TryRunEngine((_, _) => store.Load(), out var contents)) return;
        var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pattern in Name)
        {
            var match = TaskRules.NameMatcher(pattern);
            var tasks = contents.Tasks.Where(t => match(t.Name)).ToList();
            var damaged = contents.Problems.Where(p => match(p.Name)).ToList();
            if (tasks.Count + damaged.Count == 0 && !TaskRules.HasWildcards(pattern))
                TryRunEngine((_, _) => store.Get(pattern), out _); // writes TaskNotFound
            foreach (var task in tasks.Where(t => done.Add(t.Name))) Remove(store, task);
            foreach (var problem in damaged.Where(p => done.Add(p.Name)))
            {
                if (ShouldProcess(problem.Path, $"Remove the task file, which cannot be loaded ({problem.ErrorId})"))
                    TryRunEngine((_, _) => { store.Remove(problem.Name); return true; }, out _);
            }
        }
    }

    private void Remove(TaskStore store, CloneTask task)
    {
        string schedule = task.Schedule is { Scheduler: { } kind } ? $", after removing its schedule from {kind}" : "";
        if (!ShouldProcess(store.PathOf(task.Name), $"Remove task '{task.Name}' with its history and logs{schedule}")) return;
        if (TryRunEngine((events, _) => { new TaskSchedules(store).RemoveTask(task, events); return true; }, out _, confirmed: true) && PassThru)
            WriteObject(task);
    }
}
