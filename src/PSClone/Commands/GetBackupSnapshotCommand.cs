using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Get-BackupSnapshot: the snapshots of an image, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "BackupSnapshot")]
[OutputType(typeof(BackupSnapshot))]
public sealed class GetBackupSnapshotCommand : ImageOperationCmdlet
{
    /// <summary>Only this snapshot: an id, a unique prefix of at least 4 digits, or 'latest'.</summary>
    [Parameter(Position = 1)]
    [SnapshotArgument]
    public string? Snapshot { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        using var passphrase = TakePassphrase();
        var snapshots = RunEngine((events, token) =>
        {
            using var browser = new ImageManager().OpenBrowser(image, passphrase);
            var all = browser.Snapshots;
            if (Snapshot is null) return all;
            string id = browser.GetItem(Snapshot, "")!.SnapshotId;
            return all.Where(s => s.Id == id).ToList();
        });
        foreach (var snapshot in snapshots) WriteObject(snapshot);
    }
}
