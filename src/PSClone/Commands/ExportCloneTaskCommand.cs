using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Export-CloneTask: writes a task's file elsewhere (to deploy it, with Import-CloneTask,
/// Intune or DSC), without where this machine registered it.</summary>
[Cmdlet(VerbsData.Export, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTask))]
public sealed class ExportCloneTaskCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
    public CloneTask? Task { get; set; }

    /// <summary>The file to write; an existing folder gets NAME.json.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Refuse to replace an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Emit the exported task.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        if (!TryRunEngine((_, _) => Task is null ? store.Get(Name) : store.Refresh(Task), out var task)) return;
        string file = ResolveFileSystemPath(Path, nameof(Path));
        if (Directory.Exists(file)) file = System.IO.Path.Combine(file, task.Name + ".json");
        if (!ShouldProcess(file, $"Export task '{task.Name}'")) return;
        if (TryRunEngine((_, _) => { TaskStore.Export(task, file, overwrite: !NoClobber); return true; }, out _) && PassThru) WriteObject(task);
    }
}
