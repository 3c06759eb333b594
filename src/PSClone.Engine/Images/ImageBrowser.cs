namespace PSClone.Images;

/// <summary>An image kept open for browsing (the PowerShell drive, interactive listing): snapshots,
/// folder listings and file contents, read lazily, one folder at a time. Readers share the image;
/// a writer (a backup, forget, compact) fails with ImageBusy until the browser is disposed.</summary>
public sealed class ImageBrowser : IDisposable
{
    private readonly BackupImage _image;
    private readonly object _gate = new();
    private readonly Dictionary<ChunkId, List<TreeNode>> _trees = new();

    internal ImageBrowser(BackupImage image) => _image = image;

    public string Image => _image.Path;

    /// <summary>The image as Get-BackupImage shows it (the root of a drive that shows every snapshot).</summary>
    public BackupImageInfo Describe() => _image.Describe();

    /// <summary>Snapshots, oldest first.</summary>
    public IReadOnlyList<BackupSnapshot> Snapshots => _image.Manifest.Snapshots.Select(s => s.ToPublic(_image.Path)).ToList();

    /// <summary>The item at a path ("" is the snapshot root); null when there is none.</summary>
    public BackupImageEntry? GetItem(string snapshot, string path)
    {
        var snap = _image.FindSnapshot(snapshot);
        var (node, rel) = Find(snap, path);
        return node is null ? null : ImageManager.Entry(_image.Path, snap, rel, node);
    }

    /// <summary>The items of a folder (empty for a file or a missing path).</summary>
    public IReadOnlyList<BackupImageEntry> List(string snapshot, string path)
    {
        var snap = _image.FindSnapshot(snapshot);
        var (node, rel) = Find(snap, path);
        if (node is not { Type: ItemType.Directory }) return Array.Empty<BackupImageEntry>();
        return Tree(node.Subtree).Select(c => ImageManager.Entry(_image.Path, snap, rel.Length == 0 ? c.Name : rel + "/" + c.Name, c)).ToList();
    }

    /// <summary>A seekable stream of a file's content; damaged chunks fail the read with an IOException.</summary>
    public Stream OpenFile(string snapshot, string path)
    {
        var snap = _image.FindSnapshot(snapshot);
        var (node, _) = Find(snap, path);
        if (node is not { Type: ItemType.File })
            throw new PSCloneException("ImagePathNotFound", FailureKind.ObjectNotFound,
                $"Snapshot {snap.IdText} of '{_image.Path}' has no file '{path}'.", path);
        lock (_gate) return new ImageFileStream(_image, _image.ResolveExtents(node.Content!), node.Size);
    }

    private List<TreeNode> Tree(ChunkId id)
    {
        lock (_gate)
        {
            if (_trees.TryGetValue(id, out var cached)) return cached;
            try
            {
                var tree = _image.ReadTree(id);
                if (_trees.Count > 4096) _trees.Clear();
                _trees[id] = tree;
                return tree;
            }
            catch (ImageFormatException ex)
            {
                throw ImageErrors.Damaged(_image.Path, "a folder listing cannot be read (" + ex.Message + ")", ex);
            }
        }
    }

    private (TreeNode? Node, string Rel) Find(SnapshotRecord snap, string path)
    {
        var node = snap.Root;
        string rel = "";
        foreach (var part in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.Type != ItemType.Directory) return (null, rel);
            var child = Tree(node.Subtree).FirstOrDefault(c => c.Name == part);
            if (child is null) return (null, rel);
            node = child;
            rel = rel.Length == 0 ? part : rel + "/" + part;
        }
        return (node, rel);
    }

    public void Dispose() => _image.Dispose();
}
