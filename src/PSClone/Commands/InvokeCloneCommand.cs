using System.Management.Automation;
using System.Security;

namespace PSClone.Commands;

/// <summary>Invoke-Clone: makes the destination folder match the source folder, incrementally,
/// with the SafetyNet keeping whatever the clone replaces or removes.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Clone", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CloneRunResult), typeof(CloneItemResult))]
public sealed class InvokeCloneCommand : CloneOptionsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The passphrase of an encrypted backup image given as -Destination; without it, PSCLONE_PASSPHRASE.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    protected override void ProcessRecord()
    {
        using var passphrase = BackupImageCmdlet.PassphraseFrom(Passphrase, BackupImageCmdlet.PassphraseVariable);
        var request = CloneOptionsChange()(new CloneRequest
        {
            Passphrase = passphrase,
            Source = ResolveFileSystemPath(Source, nameof(Source)),
            Destination = ResolveFileSystemPath(Destination, nameof(Destination)),
        });

        if (IsWhatIf())
        {
            PreviewClone(request, PassThru);
            return;
        }

        var result = RunEngine((events, token) => new Cloning.CloneEngine().Run(request, events, token), item =>
        {
            if (PassThru && item is CloneItemResult) WriteObject(item);
        });
        WriteObject(result);
    }
}
