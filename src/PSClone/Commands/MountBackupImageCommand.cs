using System.Management.Automation;
using PSClone.Images;
using PSClone.Provider;

namespace PSClone.Commands;

/// <summary>Mount-BackupImage: shows an image as a read-only PowerShell drive (the BackupImage
/// provider): by default the latest snapshot at the drive root, or one folder per snapshot.</summary>
[Cmdlet(VerbsData.Mount, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(BackupImageDrive))]
public sealed class MountBackupImageCommand : ImageOperationCmdlet
{
    private const string SnapshotSet = "Snapshot";
    private const string AllSnapshotsSet = "AllSnapshots";

    /// <summary>The drive name, without the colon.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The snapshot at the drive root: an id, a unique prefix, or 'latest' (the default).</summary>
    [Parameter(ParameterSetName = SnapshotSet)]
    [SnapshotArgument]
    public string? Snapshot { get; set; }

    /// <summary>Show every snapshot as a folder at the drive root, named by its id.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSnapshotsSet)]
    public SwitchParameter AllSnapshots { get; set; }

    /// <summary>The scope of the drive, as New-PSDrive's (Global, Local, Script or a number); default: the current scope.</summary>
    [Parameter]
    public string? Scope { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        string name = Name.TrimEnd(':');
        if (!ShouldProcess($"{name}:", $"Mount the backup image '{image}' as a read-only drive")) return;
        using var passphrase = TakePassphrase();
        var view = RunEngine((events, token) => new ImageDriveView(new ImageManager().OpenBrowser(image, passphrase), Snapshot, AllSnapshots));
        try
        {
            var provider = SessionState.Provider.GetOne(BackupImageProvider.ProviderName);
            SessionState.Drive.New(new BackupImageDriveInfo(name, provider, view, null, null), Scope ?? "");
        }
        catch (SessionStateException ex)
        {
            view.Dispose();
            if (ex.ErrorRecord.CategoryInfo.Category == ErrorCategory.ResourceExists)
                ThrowTerminatingError(new ErrorRecord(ex, "BackupImageDriveExists", ErrorCategory.ResourceExists, name)
                {
                    ErrorDetails = new ErrorDetails($"A drive named '{name}' already exists. Choose another -Name, or remove that drive first (Dismount-BackupImage {name})."),
                });
            ThrowTerminatingError(ex.ErrorRecord);
        }
        WriteObject(view.Describe(name));
    }
}
