using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Optimize-BackupImage: compacts an image and gives the space no snapshot uses back to the
/// disk. ConfirmImpact Medium: it removes nothing a snapshot refers to, and an interruption leaves
/// the old or the new state (Remove-BackupSnapshot is the step that destroys).</summary>
[Cmdlet(VerbsCommon.Optimize, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ImageCompactResult))]
public sealed class OptimizeBackupImageCommand : ImageOperationCmdlet
{
    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        if (!ShouldProcess(image, "Compact the image and give unused space back to the disk")) return;
        using var passphrase = TakePassphrase();
        WriteObject(RunEngine((events, token) => new ImageManager().Compact(image, passphrase, events, token)));
    }
}
