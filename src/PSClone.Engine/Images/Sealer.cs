using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PSClone.Cloning;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>Writes a sealed, read-only, recompressed copy of an image (format §12): streamed chunk
/// by chunk into a new image next to the output name, sealed, then renamed into place.</summary>
internal sealed class Sealer
{
    private readonly IFileSystem _fs;
    private readonly IEngineEvents _events;

    public Sealer(IFileSystem fs, IEngineEvents events)
    {
        _fs = fs;
        _events = events;
    }

    /// <summary>The seal of a committed state, from the SHA-256 of every pack copy; null when a digest is missing.</summary>
    public static byte[]? ComputeSeal(ImageKeys keys, Manifest manifest, BlobRef manifestRef, Func<PackInfo, (byte[]? Primary, byte[]? Mirror)> digestOf)
    {
        using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> fields = stackalloc byte[13];
        foreach (var pack in manifest.Packs.OrderBy(p => p.Number))
        {
            var (primary, mirror) = digestOf(pack);
            if (primary is null || (pack.IsMetadata && mirror is null)) return null;
            foreach (var (which, digest) in pack.IsMetadata ? new[] { (0, primary), (1, mirror!) } : new[] { (0, primary) })
            {
                BinaryPrimitives.WriteUInt32LittleEndian(fields, pack.Number);
                fields[4] = (byte)which;
                BinaryPrimitives.WriteUInt64LittleEndian(fields[5..], (ulong)pack.Length);
                content.AppendData(fields);
                content.AppendData(digest);
            }
        }
        var message = new ByteWriter(128);
        message.Raw(Encoding.ASCII.GetBytes("psimg seal v1")).Raw(keys.ImageId).U64(manifest.Generation).Id(manifestRef.Id).Raw(content.GetHashAndReset());
        return keys.SealMac(message.Written);
    }

    public BackupImageInfo Run(BackupImage source, string output, CancellationToken cancel)
    {
        string path = Path.GetFullPath(output).TrimEnd('/');
        if (File.Exists(path) || Directory.Exists(path)) throw ImageErrors.Exists(path);
        string parent = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(parent))
            throw new PSCloneException("ImageParentNotFound", FailureKind.ObjectNotFound, $"The folder '{parent}' that would hold the sealed copy does not exist.", path);
        var layout = path.EndsWith(ImageFormat.BundleExtension, StringComparison.OrdinalIgnoreCase) ? ImageLayout.Bundle : ImageLayout.SingleFile;
        foreach (var stale in Directory.EnumerateFileSystemEntries(parent, "." + Path.GetFileName(path) + ".tmp-*"))
            FileSystemTrees.Delete(_fs, stale, cancel);
        string temp = Path.Combine(parent, "." + Path.GetFileName(path) + ".tmp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());

        var config = source.Manifest.Config with { Layout = layout, Sealed = true, Compression = CompressionSettings.Archive };
        ImageStorage storage = layout == ImageLayout.Bundle ? BundleStorage.Create(temp) : SingleFileStorage.Open(temp, writable: true, create: true);
        storage.ImageId = source.Head.ImageId;
        var head = new ImageHead { Layout = layout, Encryption = source.Head.Encryption, ImageId = source.Head.ImageId, Slots = source.Head.Slots };
        var keys = new ImageKeys(source.Keys.MasterKey, source.Head.ImageId, source.Head.Encryption);
        var manifest = new Manifest { ImageId = source.Head.ImageId, Config = config with { Sealed = false } };
        BackupImageInfo info;
        try
        {
            using (var copy = BackupImage.Initialize(path, storage, head, keys, manifest))
            {
                using (var session = new ImageSession(copy, CompressionSettings.Archive))
                {
                    CopyContent(source, session, cancel);
                    session.Commit(m =>
                    {
                        m.Config = config with { Capacity = Math.Max(config.Capacity, 0) };
                        m.Snapshots = source.Manifest.Snapshots.ToList();
                    }, rewriteIndex: true, seal: (next, _, manifestRef) => Seal(copy, next, manifestRef));
                }
                MakeReadOnly(storage);
                info = copy.Describe();
            }
            if (layout == ImageLayout.Bundle) Directory.Move(temp, path);
            else File.Move(temp, path, overwrite: false);
            _fs.FlushDirectory(parent);
        }
        catch (Exception ex)
        {
            try { FileSystemTrees.Delete(_fs, temp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            if (ex is IOException or UnauthorizedAccessException) throw ImageErrors.WriteFailed(path, ex);
            throw;
        }
        return info;
    }

    /// <summary>Trees and content lists keep their ids (same keys); data chunks are decoded and stored
    /// again with the archive compression, in parallel, as they are met.</summary>
    private void CopyContent(BackupImage source, ImageSession session, CancellationToken cancel)
    {
        var seenTrees = new HashSet<ChunkId>();
        var data = new List<ChunkId>();
        var seenData = new HashSet<ChunkId>();
        void File(TreeNode node)
        {
            if (node.Content!.Lists is { } lists)
            {
                foreach (var list in lists)
                {
                    var plain = Read(source, list.Id, BlobKind.ContentList);
                    session.StoreMetadata(BlobKind.ContentList, plain);
                }
            }
            foreach (var e in source.ResolveExtents(node.Content))
            {
                if (!e.Hole && seenData.Add(e.Id)) data.Add(e.Id);
            }
        }
        void Folder(ChunkId tree)
        {
            cancel.ThrowIfCancellationRequested();
            if (!seenTrees.Add(tree)) return;
            var plain = Read(source, tree, BlobKind.Tree);
            session.StoreMetadata(BlobKind.Tree, plain);
            foreach (var child in TreeCodec.DecodeTree(plain))
            {
                if (child.Type == ItemType.Directory) Folder(child.Subtree);
                else if (child.Type == ItemType.File) File(child);
            }
        }
        foreach (var snapshot in source.Manifest.Snapshots)
        {
            if (snapshot.Root.Type == ItemType.Directory) Folder(snapshot.Root.Subtree);
            else File(snapshot.Root);
        }
        long total = data.Count;
        var progress = new ProgressTracker(_events, $"Sealing {source.Path}", total, 0);
        try
        {
            Parallel.ForEach(data, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, id =>
            {
                var plain = Read(source, id, BlobKind.Data);
                session.StoreData(plain);
                progress.Done(0);
            });
        }
        finally
        {
            progress.Complete();
        }
    }

    private static byte[] Read(BackupImage source, ChunkId id, BlobKind kind)
    {
        try
        {
            return source.ReadBlob(id, kind);
        }
        catch (ImageFormatException ex)
        {
            throw ImageErrors.Damaged(source.Path, $"chunk {id} cannot be read ({ex.Message}); a sealed copy would lose it", ex);
        }
    }

    /// <summary>Reads back every pack just written, so the seal covers what is on disk.</summary>
    private static byte[] Seal(BackupImage copy, Manifest next, BlobRef manifestRef)
    {
        var digests = new Dictionary<(uint, bool), byte[]>();
        foreach (var pack in next.Packs)
        {
            foreach (bool mirror in pack.IsMetadata ? new[] { false, true } : new[] { false })
            {
                var bytes = new byte[pack.Length];
                copy.Storage.Read(pack, mirror, 0, bytes);
                digests[(pack.Number, mirror)] = SHA256.HashData(bytes);
            }
        }
        return ComputeSeal(copy.Keys, next, manifestRef, p => (digests.GetValueOrDefault((p.Number, false)), digests.GetValueOrDefault((p.Number, true))))!;
    }

    private static void MakeReadOnly(ImageStorage storage)
    {
        if (OperatingSystem.IsWindows()) return;
        var files = storage.Layout == ImageLayout.Bundle
            ? Directory.EnumerateFiles(storage.Path, "*", SearchOption.AllDirectories).ToList()
            : new List<string> { storage.Path };
        foreach (var f in files) File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
