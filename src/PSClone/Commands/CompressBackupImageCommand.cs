using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Compress-BackupImage: writes a sealed, read-only, recompressed copy of an image.</summary>
[Cmdlet(VerbsData.Compress, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupImageInfo))]
public sealed class CompressBackupImageCommand : ImageOperationCmdlet
{
    /// <summary>The new sealed copy: NAME.psimg or NAME.psimgbundle; it must not exist.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        if (!ShouldProcess(destination, $"Write a sealed, compressed copy of '{image}'")) return;
        using var passphrase = TakePassphrase();
        WriteObject(RunEngine((events, token) => new ImageManager().Compress(image, destination, passphrase, events, token)));
    }
}
