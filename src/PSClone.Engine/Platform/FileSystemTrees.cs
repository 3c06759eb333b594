namespace PSClone.Platform;

/// <summary>Whole-tree operations on top of <see cref="IFileSystem"/>: delete, measure, copy.</summary>
internal static class FileSystemTrees
{
    /// <summary>Deletes an item and, for a folder, everything in it. Read-only folders are made
    /// writable first (they would otherwise refuse to give up their entries).</summary>
    public static void Delete(IFileSystem fs, string path, CancellationToken cancel = default)
    {
        var entry = fs.TryGetEntry(path, withXattrs: false);
        if (entry is null) return;
        if (entry.Kind != ItemType.Directory)
        {
            fs.DeleteFile(path);
            return;
        }
        DeleteFolder(fs, path, entry, cancel);
    }

    private static void DeleteFolder(IFileSystem fs, string path, FsEntry entry, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        if ((entry.Mode & 0x1C0) != 0x1C0 && entry.Mode != 0)
        {
            var writable = new FsEntry(entry.Name, ItemType.Directory) { Mode = entry.Mode | 0x1C0 };
            try { fs.ApplyMetadata(path, writable, MetadataParts.Mode); }
            catch (PlatformIOException) { /* deleting below reports the real problem */ }
        }
        var children = new List<FsEntry>();
        fs.ReadDirectory(path, children, withXattrs: false, (p, ex) => throw ex);
        foreach (var child in children)
        {
            string childPath = path + "/" + child.Name;
            if (child.Kind == ItemType.Directory) DeleteFolder(fs, childPath, child, cancel);
            else fs.DeleteFile(childPath);
        }
        fs.DeleteDirectory(path);
    }

    /// <summary>Total apparent size (bytes of files and links) and number of items under a path.</summary>
    public static (long Bytes, long Items) Measure(IFileSystem fs, string path)
    {
        var entry = fs.TryGetEntry(path, withXattrs: false);
        if (entry is null) return (0, 0);
        if (entry.Kind != ItemType.Directory) return (entry.Size, 1);
        long bytes = 0, items = 1;
        var stack = new Stack<string>();
        stack.Push(path);
        var children = new List<FsEntry>();
        while (stack.Count > 0)
        {
            string dir = stack.Pop();
            children.Clear();
            try
            {
                fs.ReadDirectory(dir, children, withXattrs: false, static (_, _) => { });
            }
            catch (PlatformIOException)
            {
                continue;
            }
            foreach (var child in children)
            {
                items++;
                if (child.Kind == ItemType.Directory) stack.Push(dir + "/" + child.Name);
                else bytes += child.Size;
            }
        }
        return (bytes, items);
    }

    /// <summary>Copies an item (a folder with all it holds) to a path that must not exist,
    /// keeping content and metadata; folder metadata is set after the folder's children.</summary>
    public static long Copy(IFileSystem fs, string source, string target, CancellationToken cancel)
    {
        var entry = fs.TryGetEntry(source, withXattrs: true)
            ?? throw new PlatformIOException("Cannot copy", source, 2, IOFailure.NotFound, "it does not exist");
        return CopyEntry(fs, source, target, entry, cancel);
    }

    private static long CopyEntry(IFileSystem fs, string source, string target, FsEntry entry, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        switch (entry.Kind)
        {
            case ItemType.File:
                return fs.CopyFile(source, target, entry, durable: false, cancel).BytesCopied;
            case ItemType.SymbolicLink:
                fs.CreateSymbolicLink(target, entry.LinkTarget!);
                fs.ApplyMetadata(target, entry, MetadataParts.Owner | MetadataParts.Times);
                return 0;
            case ItemType.Directory:
                fs.CreateDirectory(target);
                var children = new List<FsEntry>();
                fs.ReadDirectory(source, children, withXattrs: true, (p, ex) => throw ex);
                long bytes = 0;
                foreach (var child in children)
                    bytes += CopyEntry(fs, source + "/" + child.Name, target + "/" + child.Name, child, cancel);
                fs.ApplyMetadata(target, entry, MetadataParts.All);
                return bytes;
            default:
                return 0;
        }
    }
}
