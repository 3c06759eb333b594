using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Restore-SafetyNetItem: copies archived items back to their place (or under -TargetPath).</summary>
[Cmdlet(VerbsData.Restore, "SafetyNetItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet)]
[OutputType(typeof(SafetyNetRestoreResult))]
public sealed class RestoreSafetyNetItemCommand : SafetyNetItemCmdlet
{
    /// <summary>Restore under this folder instead of the destination (same relative paths).</summary>
    [Parameter]
    [Alias("To")]
    public string? TargetPath { get; set; }

    /// <summary>Replace an item in the way (inside the destination it is archived first).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        string? target = TargetPath is null ? null : ResolveFileSystemPath(TargetPath, nameof(TargetPath));
        var manager = new SafetyNetManager();
        foreach (var item in SelectItems(manager, destination))
        {
            string where = System.IO.Path.Combine(target ?? destination, item.RelativePath);
            if (!ShouldProcess(where, $"Restore from SafetyNet run '{item.RunName}'")) continue;
            try
            {
                WriteObject(manager.Restore(item, target, Force, CancelToken));
            }
            catch (PSCloneException ex)
            {
                WriteError(Errors.From(ex));
            }
        }
    }
}
