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

    private readonly SafetyNetManager _manager = new();
    private SafetyNetRestoreSession? _session;

    protected override bool NewestVersionOnly => true;

    protected override void ProcessRecord()
    {
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        string? target = TargetPath is null ? null : ResolveFileSystemPath(TargetPath, nameof(TargetPath));
        foreach (var item in SelectItems(_manager, destination))
        {
            string where = System.IO.Path.Combine(target ?? destination, item.RelativePath);
            if (!ShouldProcess(where, $"Restore from SafetyNet run '{item.RunName}'")) continue;
            try
            {
                // One session for the whole pipeline: what -Force replaces goes to one SafetyNet run.
                _session ??= _manager.BeginRestore();
                WriteObject(_session.Restore(item, target, Force, CancelToken));
            }
            catch (PSCloneException ex)
            {
                WriteError(Errors.From(ex));
            }
        }
    }

    /// <summary>Also runs when the pipeline is stopped, so the destination lock is always released.</summary>
    protected override void ReleaseResources() => _session?.Dispose();
}
