using System.Management.Automation;
using System.Security;

namespace PSClone.Commands;

/// <summary>The base of the backup image cmdlets: the -Passphrase they share, which falls back to
/// PSCLONE_PASSPHRASE so unattended runs need no SecureString on the command line.</summary>
public abstract class BackupImageCmdlet : PSCloneCmdlet
{
    internal const string PassphraseVariable = "PSCLONE_PASSPHRASE";

    /// <summary>The passphrase of an encrypted image; without it, PSCLONE_PASSPHRASE.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>The passphrase for the engine (the caller disposes it), or null when none is given.</summary>
    protected PSClone.Passphrase? TakePassphrase() => PassphraseFrom(Passphrase, PassphraseVariable);

    internal static PSClone.Passphrase? PassphraseFrom(SecureString? secure, string variable) =>
        secure is not null ? PSClone.Passphrase.FromSecureString(secure) : PSClone.Passphrase.FromEnvironment(variable);

    protected string ResolveImage(string image) => ResolveFileSystemPath(image, "Image");
}

/// <summary>A cmdlet about a whole image: -Image takes a path, or binds from a piped image, snapshot,
/// entry, drive or file (their Image, Path or FullName).</summary>
public abstract class ImageOperationCmdlet : BackupImageCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ImageArgument]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "";
}

/// <summary>A cmdlet about the items of a snapshot: -Image and -Snapshot bind from a piped snapshot
/// (Image, Id) or entry (Image, SnapshotId); -Snapshot defaults to the latest snapshot.</summary>
public abstract class ImageItemCmdlet : BackupImageCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ImageArgument]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "";

    /// <summary>A snapshot id, a unique prefix of at least 4 digits, or 'latest'.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SnapshotId", "Id")]
    [SnapshotArgument]
    public string? Snapshot { get; set; }
}
