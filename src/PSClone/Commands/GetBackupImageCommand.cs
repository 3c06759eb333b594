using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Get-BackupImage: what an image holds (layout, encryption, capacity, size, snapshots).</summary>
[Cmdlet(VerbsCommon.Get, "BackupImage")]
[OutputType(typeof(BackupImageInfo))]
public sealed class GetBackupImageCommand : ImageOperationCmdlet
{
    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        using var passphrase = TakePassphrase();
        try
        {
            WriteObject(new ImageManager().GetInfo(image, passphrase, CancelToken));
        }
        catch (PSCloneException ex)
        {
            // One image that cannot be read does not stop a listing of many.
            WriteError(Errors.From(ex));
        }
    }
}
