using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Get-BackupImageItem: lists the items of a snapshot (files, folders, links) as objects.</summary>
[Cmdlet(VerbsCommon.Get, "BackupImageItem")]
[OutputType(typeof(BackupImageEntry))]
public sealed class GetBackupImageItemCommand : ImageItemCmdlet
{
    /// <summary>A path in the snapshot (a folder lists its items), or a wildcard pattern.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        using var passphrase = TakePassphrase();
        RunEngine((events, token) =>
        {
            using var browser = new ImageManager().OpenBrowser(image, passphrase);
            long count = 0;
            foreach (var entry in ImageItemQuery.Find(browser, Snapshot, Path, Recurse, token))
            {
                events.Item(entry);
                count++;
            }
            return count;
        });
    }
}
