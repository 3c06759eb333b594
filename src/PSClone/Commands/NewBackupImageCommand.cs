using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>New-BackupImage: creates an empty backup image (a file, or a bundle folder).</summary>
[Cmdlet(VerbsCommon.New, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupImageInfo))]
public sealed class NewBackupImageCommand : BackupImageCmdlet
{
    /// <summary>Where the image goes: NAME.psimg (SingleFile) or NAME.psimgbundle (Bundle).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Default: Bundle for a path ending in .psimgbundle, SingleFile otherwise.</summary>
    [Parameter]
    public ImageLayout Layout { get; set; }

    /// <summary>Default: Aes256 when -Passphrase is given, None otherwise.</summary>
    [Parameter]
    public ImageEncryption Encryption { get; set; }

    /// <summary>The most the image may hold, in bytes; default: the free space of its disk.</summary>
    [Parameter]
    public long Capacity { get; set; }

    [Parameter]
    public int ChunkSize { get; set; }

    [Parameter]
    public int PackSize { get; set; }

    [Parameter]
    public int KdfIterations { get; set; }

    protected override void ProcessRecord()
    {
        string path = ResolveFileSystemPath(Path, nameof(Path));
        var bound = MyInvocation.BoundParameters;
        var encryption = bound.ContainsKey(nameof(Encryption)) ? Encryption
            : bound.ContainsKey(nameof(Passphrase)) ? ImageEncryption.Aes256 : ImageEncryption.None;
        var request = new ImageCreateRequest
        {
            Path = path,
            Layout = bound.ContainsKey(nameof(Layout)) ? Layout : null,
            Encryption = encryption,
            Capacity = bound.ContainsKey(nameof(Capacity)) ? Capacity : null,
            ChunkSize = bound.ContainsKey(nameof(ChunkSize)) ? ChunkSize : null,
            PackSize = bound.ContainsKey(nameof(PackSize)) ? PackSize : null,
            KdfIterations = bound.ContainsKey(nameof(KdfIterations)) ? KdfIterations : null,
        };
        if (!ShouldProcess(path, $"Create a backup image ({encryption})")) return;
        using var passphrase = encryption == ImageEncryption.None ? null : TakePassphrase();
        WriteObject(RunEngine((events, token) => new ImageManager().Create(request, passphrase, events, token)));
    }
}
