using System.Management.Automation;
using System.Security;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Set-BackupImagePassphrase: changes the passphrase of an encrypted image without
/// rewriting its data. ConfirmImpact High: afterwards only the new passphrase opens the image, and
/// a SecureString cannot be checked by typing it twice, so a mistyped one would lock every backup away.</summary>
[Cmdlet(VerbsCommon.Set, "BackupImagePassphrase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BackupImageInfo))]
public sealed class SetBackupImagePassphraseCommand : ImageOperationCmdlet
{
    internal const string NewPassphraseVariable = "PSCLONE_NEW_PASSPHRASE";

    /// <summary>The new passphrase (at least 8 characters); without it, PSCLONE_NEW_PASSPHRASE.</summary>
    [Parameter]
    public SecureString? NewPassphrase { get; set; }

    /// <summary>PBKDF2 iterations for the new key slot; default: those of the current one.</summary>
    [Parameter]
    public int KdfIterations { get; set; }

    /// <summary>Emit the image afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        using var current = TakePassphrase();
        if (current is null && ImageManager.Probe(image) is { Encryption: not ImageEncryption.None })
            ThrowTerminatingError(PassphraseRequired(image, "-Passphrase", PassphraseVariable));
        using var replacement = PassphraseFrom(NewPassphrase, NewPassphraseVariable);
        if (replacement is null && current is not null) ThrowTerminatingError(PassphraseRequired(image, "-NewPassphrase", NewPassphraseVariable));
        if (!ShouldProcess(image, "Change the passphrase (the current one stops opening the image)")) return;
        int? iterations = MyInvocation.BoundParameters.ContainsKey(nameof(KdfIterations)) ? KdfIterations : null;
        // Without a current passphrase the image is not encrypted (or not an image): the engine says which.
        using var none = new PSClone.Passphrase("");
        RunEngine((events, token) =>
        {
            new ImageManager().ChangePassphrase(image, current ?? none, replacement ?? none, iterations, events, token);
            return 0;
        });
        if (PassThru) WriteObject(RunEngine((events, token) => new ImageManager().GetInfo(image, replacement, token)));
    }

    private static ErrorRecord PassphraseRequired(string image, string parameter, string variable) =>
        new(new ArgumentException(Errors.PassphraseRequiredMessage(image, parameter, variable)), "PassphraseRequired", ErrorCategory.InvalidArgument, image);
}
