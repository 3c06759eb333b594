using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Resize-BackupImage: sets the capacity of an image (never below what it holds).</summary>
[Cmdlet(VerbsCommon.Resize, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BackupImageInfo))]
public sealed class ResizeBackupImageCommand : ImageOperationCmdlet
{
    /// <summary>The new capacity in bytes (10GB, 500MB, ...).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public long Capacity { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        if (!ShouldProcess(image, $"Set the capacity to {ByteSize.Format(Capacity)}")) return;
        using var passphrase = TakePassphrase();
        WriteObject(RunEngine((events, token) => new ImageManager().Resize(image, Capacity, passphrase, events, token)));
    }
}
