using System.Management.Automation;
using System.Text.Json.Nodes;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Set-CloneTask: changes the options given, and only those; writes nothing when the task
/// already has them.</summary>
[Cmdlet(VerbsCommon.Set, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTask))]
public sealed class SetCloneTaskCommand : CloneTaskOptionsCmdlet
{
    private const string NameSet = "Name";
    private const string TaskSet = "Task";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        var change = TaskChange(
            Source is null ? null : ResolveFileSystemPath(Source, nameof(Source)),
            Destination is null ? null : ResolveFileSystemPath(Destination, nameof(Destination)));
        if (!TryRunEngine((_, _) => Task is null ? store.Get(Name) : store.Refresh(Task), out var current)) return;
        if (!TryRunEngine((_, _) => TaskRules.Normalize(change(current)), out var wanted)) return;

        var changes = Differences(current, wanted);
        if (changes.Count == 0)
        {
            WriteVerbose($"Task '{current.Name}' already has these settings; nothing was written.");
            if (PassThru) WriteObject(current);
            return;
        }
        if (!ShouldProcess(store.PathOf(current.Name), $"Change {string.Join(", ", changes)} of task '{current.Name}'")) return;
        // The store applies the change again under its lock, to the task as it is then.
        if (TryRunEngine((_, _) => store.Update(current.Name, change), out var update) && PassThru) WriteObject(update.Task);
    }

    /// <summary>The task-file properties that differ (as the file names them), for the confirmation.</summary>
    private static List<string> Differences(CloneTask current, CloneTask wanted)
    {
        var before = JsonNode.Parse(TaskJson.Serialize(current))!.AsObject();
        var after = JsonNode.Parse(TaskJson.Serialize(wanted))!.AsObject();
        return after.Where(p => p.Key != "modified" && !JsonNode.DeepEquals(p.Value, before[p.Key])).Select(p => p.Key).ToList();
    }
}
