namespace PSClone.Images;

/// <summary>Get-BackupImageItem's selection: the items of one snapshot that a path names, read
/// lazily through an <see cref="ImageBrowser"/>, parents before their children.
/// <list type="bullet">
/// <item>No path: the items at the snapshot root (with <c>recurse</c>: every item).</item>
/// <item>A path without wildcards: that item; a folder gives its items instead (with <c>recurse</c>:
/// everything below it). A missing item is an <c>ImagePathNotFound</c> error.</item>
/// <item>A pattern (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>`</c> escapes; case-insensitive; <c>*</c> crosses
/// folders; a pattern without <c>/</c> also matches the name alone): the items it matches at its own
/// depth, or with <c>recurse</c> at any depth below its literal leading folders. No match is no error.</item>
/// </list>
/// A block-level snapshot holds one file, named after the device or file it was read from.</summary>
public static class ImageItemQuery
{
    public static IEnumerable<BackupImageEntry> Find(ImageBrowser browser, string? snapshot, string? path, bool recurse, CancellationToken cancel)
    {
        var root = browser.GetItem(string.IsNullOrEmpty(snapshot) ? "latest" : snapshot, "")!;
        var snap = browser.Snapshots.Single(s => s.Id == root.SnapshotId);
        string wanted = Normalize(path);
        if (snap.Kind == SnapshotKind.Block) return BlockItem(browser, snap, wanted);
        if (wanted.Length == 0) return Below(browser, root, recurse ? int.MaxValue : 1, cancel);

        var segments = wanted.Split('/');
        if (!segments.Any(IsPattern))
        {
            var item = browser.GetItem(snap.Id, wanted) ?? throw PathNotFound(snap, wanted);
            return item.ItemType == ItemType.Directory ? Below(browser, item, recurse ? int.MaxValue : 1, cancel) : new[] { item };
        }
        int literal = segments.TakeWhile(s => !IsPattern(s)).Count();
        var start = literal == 0 ? root : browser.GetItem(snap.Id, string.Join('/', segments.Take(literal)));
        if (start is not { ItemType: ItemType.Directory }) return Array.Empty<BackupImageEntry>();
        int depth = segments.Length - literal;
        var matches = PathPattern.Create(wanted);
        return Below(browser, start, recurse ? int.MaxValue : depth, cancel)
            .Where(e => (recurse || Depth(e.Path) == segments.Length) && matches(e.Path));
    }

    /// <summary>The one item of a block-level snapshot (its root), under the device's name.</summary>
    public static BackupImageEntry BlockEntry(ImageBrowser browser, BackupSnapshot snapshot)
    {
        string name = Path.GetFileName(snapshot.Source.TrimEnd('/', '\\'));
        if (name.Length == 0) name = "device";
        return browser.GetItem(snapshot.Id, "")! with { Path = name, Name = name };
    }

    /// <summary>The items below a folder, parents first, down to <paramref name="levels"/> levels (1: its own items).</summary>
    public static IEnumerable<BackupImageEntry> Below(ImageBrowser browser, BackupImageEntry folder, int levels, CancellationToken cancel)
    {
        if (levels < 1) yield break;
        cancel.ThrowIfCancellationRequested();
        foreach (var child in browser.List(folder.SnapshotId, folder.Path))
        {
            yield return child;
            if (child.ItemType != ItemType.Directory) continue;
            foreach (var below in Below(browser, child, levels - 1, cancel)) yield return below;
        }
    }

    private static IEnumerable<BackupImageEntry> BlockItem(ImageBrowser browser, BackupSnapshot snapshot, string wanted)
    {
        var entry = BlockEntry(browser, snapshot);
        if (wanted.Length == 0 || wanted == entry.Path) return new[] { entry };
        if (wanted.Split('/').Any(IsPattern)) return PathPattern.Create(wanted)(entry.Path) ? new[] { entry } : Array.Empty<BackupImageEntry>();
        throw PathNotFound(snapshot, wanted);
    }

    private static bool IsPattern(string segment) => segment.AsSpan().IndexOfAny("*?[`") >= 0;

    private static int Depth(string rel) => rel.Count(c => c == '/') + 1;

    /// <summary>A path relative to the snapshot root with '/' separators, no leading, trailing or doubled '/'.</summary>
    private static string Normalize(string? path) =>
        string.Join('/', (path ?? "").Trim().Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));

    private static PSCloneException PathNotFound(BackupSnapshot snapshot, string path) =>
        new("ImagePathNotFound", FailureKind.ObjectNotFound,
            $"Snapshot {snapshot.Id} of '{snapshot.Image}' has no item '{path}'. List its items with Get-BackupImageItem -Recurse ('psclone image ls {snapshot.Image} --snapshot {snapshot.Id} --recurse').", path);
}
