using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>The shared binding of the cmdlets that find saved tasks: -Scope (bound by property name,
/// so a piped task goes back to its own store), and identity by name (wildcards), by id, or by a piped
/// CloneTask, which is re-read from the store rather than trusted as it is.</summary>
public abstract class CloneTaskCmdlet : PSCloneCmdlet
{
    protected const string NameSet = "Name";
    protected const string IdSet = "Id";
    protected const string TaskSet = "Task";

    /// <summary>The task store: the user's own (default) or the machine-wide one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public TaskScope Scope { get; set; }

    protected TaskStore Store => TaskStore.Open(Scope);

    /// <summary>The tasks whose names match any of <paramref name="patterns"/> (none: all). Damaged
    /// task files and literal names that match no task are non-terminating errors.</summary>
    protected IReadOnlyList<CloneTask> FindTasks(IReadOnlyList<string>? patterns)
    {
        var store = Store;
        return RunEngine((events, _) => store.Find(patterns, events));
    }

    /// <summary>The stored version of each piped task; one that is gone is a non-terminating error.</summary>
    protected IReadOnlyList<CloneTask> RefreshTasks(IEnumerable<CloneTask>? tasks) =>
        Each(tasks ?? Array.Empty<CloneTask>(), (store, task) => store.Refresh(task));

    /// <summary>The task of each id; an unknown id is a non-terminating error.</summary>
    protected IReadOnlyList<CloneTask> GetTasks(IEnumerable<Guid>? ids) =>
        Each(ids ?? Array.Empty<Guid>(), (store, id) => store.Get(id));

    /// <summary>The tasks this record names, by its parameter set.</summary>
    protected IReadOnlyList<CloneTask> SelectTasks(IReadOnlyList<string>? names, IEnumerable<Guid>? ids, IEnumerable<CloneTask>? tasks) =>
        ParameterSetName switch
        {
            IdSet => GetTasks(ids),
            TaskSet => RefreshTasks(tasks),
            _ => FindTasks(names),
        };

    private List<CloneTask> Each<T>(IEnumerable<T> keys, Func<TaskStore, T, CloneTask> get)
    {
        var store = Store;
        var found = new List<CloneTask>();
        foreach (var key in keys)
        {
            if (TryRunEngine((_, _) => get(store, key), out var task)) found.Add(task);
        }
        return found;
    }
}
