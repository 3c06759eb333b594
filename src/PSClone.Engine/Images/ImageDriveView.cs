using System.Text;

namespace PSClone.Images;

/// <summary>One item of a mounted image: the image itself (the root of a drive that shows every
/// snapshot, a <see cref="BackupImageInfo"/>), a snapshot folder (a <see cref="BackupSnapshot"/>), or an
/// item of a snapshot (a <see cref="BackupImageEntry"/>), with its provider path.</summary>
public sealed record ImageDriveItem(string Path, string Name, bool IsContainer, object Item);

/// <summary>The read-only namespace a PowerShell drive shows of a backup image, kept free of
/// PowerShell so it is tested directly; BackupImageProvider only adapts it.
/// Provider paths are <c>IMAGE[/SNAPSHOT[/PATH]]</c> with the platform's separator (both '\' and '/'
/// are accepted): they name their image without a drive, as a provider-qualified path must. A drive
/// that shows one snapshot has that snapshot's folder as its root; a drive that shows every snapshot
/// has the image as its root and one folder per snapshot, named by the snapshot id ('latest' and a
/// unique prefix of at least 4 digits are accepted too). A path that is not rooted is taken relative
/// to the drive root. Names inside a snapshot match exactly (case-sensitive).</summary>
public sealed class ImageDriveView : IDisposable
{
    public static readonly char Separator = System.IO.Path.DirectorySeparatorChar;

    private static readonly StringComparison RootComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly ImageBrowser _browser;

    /// <summary>Takes ownership of <paramref name="browser"/> (it is disposed with the view, or at once
    /// when the snapshot cannot be found). <paramref name="snapshot"/>: an id, a unique prefix or
    /// 'latest' (null: latest); ignored with <paramref name="allSnapshots"/>.</summary>
    public ImageDriveView(ImageBrowser browser, string? snapshot, bool allSnapshots)
    {
        _browser = browser;
        try
        {
            if (!allSnapshots) Snapshot = FindSnapshot(string.IsNullOrEmpty(snapshot) ? "latest" : snapshot, throwWhenMissing: true);
        }
        catch
        {
            browser.Dispose();
            throw;
        }
        Root = Normalize(Snapshot is null ? browser.Image : browser.Image + Separator + Snapshot.Id);
    }

    public string Image => _browser.Image;

    /// <summary>The snapshot at the drive root; null when the root holds every snapshot.</summary>
    public BackupSnapshot? Snapshot { get; }

    /// <summary>The provider path of the drive root.</summary>
    public string Root { get; }

    public BackupImageDrive Describe(string driveName) => new()
    {
        Name = driveName,
        Image = Image,
        SnapshotId = Snapshot?.Id,
        SnapshotTime = Snapshot?.Time,
        Root = Root,
    };

    // ---------------------------------------------------------------- path algebra

    /// <summary>A path with the platform separator only, no doubled separator (a leading pair, as in
    /// a UNC path, stays) and no trailing one.</summary>
    public static string Normalize(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (char c in path)
        {
            char d = c is '/' or '\\' ? Separator : c;
            if (d == Separator && sb.Length > 1 && sb[^1] == Separator) continue;
            sb.Append(d);
        }
        while (sb.Length > 1 && sb[^1] == Separator && !(sb.Length == 3 && sb[1] == ':')) sb.Length--;
        return sb.ToString();
    }

    public static string MakePath(string parent, string child)
    {
        if (string.IsNullOrEmpty(child)) return Normalize(parent);
        if (string.IsNullOrEmpty(parent)) return Normalize(child);
        return Normalize(parent + Separator + child);
    }

    /// <summary>The parent of a path; "" for the drive root (<paramref name="root"/>) and for a path without a parent.</summary>
    public static string GetParentPath(string path, string? root)
    {
        string p = Normalize(path);
        if (!string.IsNullOrEmpty(root) && string.Equals(p, Normalize(root), RootComparison)) return "";
        int cut = p.LastIndexOf(Separator);
        if (cut < 0 || p.Length == 1) return "";
        return cut == 0 ? Separator.ToString() : p[..cut];
    }

    public static string GetChildName(string path)
    {
        string p = Normalize(path);
        int cut = p.LastIndexOf(Separator);
        return cut < 0 || p.Length == 1 ? p : p[(cut + 1)..];
    }

    /// <summary>True when the path is the drive root or below it.</summary>
    public bool Contains(string path) => Locate(path) is not null;

    /// <summary>The absolute form of a path and its names below the root; null when it is not under the root.</summary>
    private (string Path, string[] Names)? Locate(string path)
    {
        string p = Normalize(path);
        if (!System.IO.Path.IsPathRooted(p)) p = MakePath(Root, p);
        if (string.Equals(p, Root, RootComparison)) return (Root, Array.Empty<string>());
        if (p.Length > Root.Length + 1 && p.StartsWith(Root, RootComparison) && p[Root.Length] == Separator)
            return (p, p[(Root.Length + 1)..].Split(Separator));
        return null;
    }

    // ---------------------------------------------------------------- items

    /// <summary>The item at a path; null when there is none.</summary>
    public ImageDriveItem? GetItem(string path)
    {
        if (Locate(path) is not var (at, names)) return null;
        if (Snapshot is not null) return InSnapshot(at, Snapshot, names);
        if (names.Length == 0) return new ImageDriveItem(at, GetChildName(at), true, _browser.Describe());
        var snapshot = FindSnapshot(names[0], throwWhenMissing: false);
        return snapshot is null ? null : InSnapshot(at, snapshot, names[1..]);
    }

    public bool IsContainer(string path) => GetItem(path) is { IsContainer: true };

    /// <summary>The items of a container; empty for a leaf or a missing path.</summary>
    public IReadOnlyList<ImageDriveItem> GetChildren(string path) =>
        GetItem(path) is { IsContainer: true } item ? Children(item) : Array.Empty<ImageDriveItem>();

    /// <summary>The items below a container, parents first: its own items, and with
    /// <paramref name="depth"/> &gt; 0 that many levels more (Get-ChildItem -Depth; -Recurse is uint.MaxValue).</summary>
    public IEnumerable<ImageDriveItem> Walk(string path, uint depth, CancellationToken cancel) =>
        GetItem(path) is { IsContainer: true } item ? Walk(item, depth, cancel) : Array.Empty<ImageDriveItem>();

    /// <summary>A seekable stream of a file's content. A missing path is ImagePathNotFound; a folder,
    /// link or snapshot is ImageItemNotFile; a damaged chunk fails the read with an IOException.</summary>
    public Stream OpenContent(string path)
    {
        var item = GetItem(path) ?? throw new PSCloneException("ImagePathNotFound", FailureKind.ObjectNotFound,
            $"The backup image '{Image}' has no item '{path}'. List the drive with Get-ChildItem to see what it holds.", path);
        if (item.Item is not BackupImageEntry { ItemType: ItemType.File } entry)
        {
            string what = item.Item switch
            {
                BackupImageEntry e => $"a {e.ItemType}",
                BackupSnapshot => "a snapshot folder",
                _ => "the image itself",
            };
            throw new PSCloneException("ImageItemNotFile", FailureKind.InvalidOperation,
                $"'{path}' is {what} in the backup image '{Image}', not a file; only files have content.", path);
        }
        bool block = SnapshotById(entry.SnapshotId).Kind == SnapshotKind.Block;
        return _browser.OpenFile(entry.SnapshotId, block ? "" : entry.Path);
    }

    private ImageDriveItem? InSnapshot(string at, BackupSnapshot snapshot, string[] names)
    {
        if (names.Length == 0) return new ImageDriveItem(at, snapshot.Id, true, snapshot);
        string rel = string.Join('/', names);
        var entry = snapshot.Kind == SnapshotKind.Block
            ? ImageItemQuery.BlockEntry(_browser, snapshot) is var b && b.Path == rel ? b : null
            : _browser.GetItem(snapshot.Id, rel);
        return entry is null ? null : new ImageDriveItem(at, entry.Name, entry.ItemType == ItemType.Directory, entry);
    }

    private IReadOnlyList<ImageDriveItem> Children(ImageDriveItem item) => item.Item switch
    {
        BackupImageInfo => _browser.Snapshots.Select(s => new ImageDriveItem(MakePath(item.Path, s.Id), s.Id, true, s)).ToList(),
        BackupSnapshot { Kind: SnapshotKind.Block } s => new[] { Item(item.Path, ImageItemQuery.BlockEntry(_browser, s)) },
        BackupSnapshot s => _browser.List(s.Id, "").Select(e => Item(item.Path, e)).ToList(),
        BackupImageEntry e => _browser.List(e.SnapshotId, e.Path).Select(c => Item(item.Path, c)).ToList(),
        _ => Array.Empty<ImageDriveItem>(),
    };

    private IEnumerable<ImageDriveItem> Walk(ImageDriveItem folder, uint depth, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        foreach (var child in Children(folder))
        {
            yield return child;
            if (!child.IsContainer || depth == 0) continue;
            foreach (var below in Walk(child, depth - 1, cancel)) yield return below;
        }
    }

    private static ImageDriveItem Item(string parent, BackupImageEntry entry) =>
        new(MakePath(parent, entry.Name), entry.Name, entry.ItemType == ItemType.Directory, entry);

    private BackupSnapshot SnapshotById(string id) => _browser.Snapshots.Single(s => s.Id == id);

    /// <summary>A snapshot by id, unique prefix or 'latest'; errors of a missing one are null unless asked for.</summary>
    private BackupSnapshot? FindSnapshot(string name, bool throwWhenMissing)
    {
        try
        {
            return SnapshotById(_browser.GetItem(name, "")!.SnapshotId);
        }
        catch (PSCloneException ex) when (!throwWhenMissing && ex.ErrorId is "SnapshotNotFound" or "SnapshotIdAmbiguous" or "ImageEmpty")
        {
            return null;
        }
    }

    public void Dispose() => _browser.Dispose();
}
