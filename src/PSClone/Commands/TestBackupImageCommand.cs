using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Test-BackupImage: verifies an image (with -ReadData every byte); one object per problem
/// found, then the summary. A sealed image always has its seal checked.</summary>
[Cmdlet(VerbsDiagnostic.Test, "BackupImage")]
[OutputType(typeof(ImageVerifyFinding), typeof(ImageVerifyResult), typeof(bool))]
public sealed class TestBackupImageCommand : ImageOperationCmdlet
{
    /// <summary>Read and check every stored byte, naming the files a damage affects.</summary>
    [Parameter]
    public SwitchParameter ReadData { get; set; }

    /// <summary>Return only $true (intact) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        using var passphrase = TakePassphrase();
        var result = RunEngine((events, token) => new ImageManager().Verify(image, ReadData, passphrase, events, token), item =>
        {
            if (!Quiet) WriteObject(item);
        });
        WriteObject(Quiet ? result.Intact : result);
    }
}
