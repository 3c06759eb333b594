using System.Collections.Concurrent;
using System.Security.Cryptography;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>An open backup image: its storage and lock, the current head, and once unlocked its
/// keys, manifest and index. Reading blobs is thread-safe; metadata records that fail any check
/// are read from their mirror (format §8.2), and what had to be recovered is recorded.</summary>
internal sealed class BackupImage : IDisposable
{
    private BackupImage(string path, ImageStorage storage, ImageHead head, int slot, IReadOnlyList<string> headProblems)
    {
        Path = path;
        Storage = storage;
        Head = head;
        CurrentSlot = slot;
        HeadProblems = headProblems;
    }

    public string Path { get; }
    public ImageStorage Storage { get; }
    public ImageHead Head { get; private set; }

    /// <summary>The head copy holding <see cref="Head"/> (the other is written first at the next commit).</summary>
    public int CurrentSlot { get; private set; }

    /// <summary>Damage found in the head copies while opening (a torn or damaged spare copy).</summary>
    public IReadOnlyList<string> HeadProblems { get; }

    private ImageKeys? _keys;
    private Manifest? _manifest;
    private Dictionary<uint, PackInfo> _packs = new();

    public ImageKeys Keys => _keys ?? throw new InvalidOperationException("The image is not unlocked.");
    public Manifest Manifest => _manifest ?? throw new InvalidOperationException("The image is not unlocked.");
    public ChunkIndex Index { get; private set; } = new();
    public bool Writable => Storage.Writable;
    public IReadOnlyDictionary<uint, PackInfo> Packs => _packs;

    /// <summary>Metadata records read from their mirror because the primary copy failed (what and why).</summary>
    public ConcurrentQueue<(PackInfo Pack, string Problem)> Recovered { get; } = new();

    /// <summary>Called when a metadata record had to be read from its mirror.</summary>
    public Action<string>? OnRecovered { get; set; }

    /// <summary>Which layout a path holds, without opening it: null when nothing is there.
    /// Throws NotAnImage for an existing file or folder that is not an image.</summary>
    public static ImageLayout? DetectLayout(string path)
    {
        if (Directory.Exists(path))
        {
            string head = System.IO.Path.Combine(path, ImageFormat.BundleHeadFile);
            if (!File.Exists(head)) throw ImageErrors.NotAnImage(path, "a folder without a 'psimg' file");
            return ImageLayout.Bundle;
        }
        return File.Exists(path) ? ImageLayout.SingleFile : null;
    }

    /// <summary>True when the path is an existing image (by its magic), without locking or unlocking it.</summary>
    public static bool IsImage(string path)
    {
        try
        {
            string file = Directory.Exists(path) ? System.IO.Path.Combine(path, ImageFormat.BundleHeadFile) : path;
            if (!File.Exists(file)) return false;
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            Span<byte> magic = stackalloc byte[8];
            return stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false) == 8 && ImageHead.HasMagic(magic);
        }
        catch (IOException ex) when (ex.HResult is 11 or unchecked((int)0x80070020))
        {
            return true; // locked by a PSClone image writer; opening it says so
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Opens an image and takes its lock (shared to read, exclusive to write); checks the
    /// heads and versions. <see cref="Unlock"/> must follow before anything else is read.</summary>
    public static BackupImage OpenHeads(string path, bool writable)
    {
        path = System.IO.Path.GetFullPath(path).TrimEnd('/');
        var layout = DetectLayout(path) ?? throw ImageErrors.NotFound(path);
        ImageStorage storage = layout == ImageLayout.Bundle ? BundleStorage.Open(path, writable) : SingleFileStorage.Open(path, writable);
        try
        {
            var bytes = storage.ReadHeads();
            var problems = new List<string>();
            ImageHead? best = null;
            int bestSlot = -1;
            bool anyMagic = false;
            for (int slot = 0; slot < 2; slot++)
            {
                var copy = bytes.AsSpan(slot * ImageFormat.HeadSize, ImageFormat.HeadSize);
                anyMagic |= ImageHead.HasMagic(copy);
                ImageHead? head;
                try
                {
                    head = ImageHead.TryDecode(copy);
                }
                catch (ImageFormatException ex)
                {
                    problems.Add($"head copy {slot}: {ex.Message}");
                    continue;
                }
                if (head is null)
                {
                    problems.Add($"head copy {slot} fails its checksum");
                    continue;
                }
                if (best is null || head.Sequence > best.Sequence)
                {
                    best = head;
                    bestSlot = slot;
                }
            }
            if (best is null)
            {
                if (!anyMagic) throw ImageErrors.NotAnImage(path, layout == ImageLayout.Bundle ? "its 'psimg' file has no image header" : "the file has no image header");
                throw ImageErrors.Damaged(path, "both copies of the image head are damaged");
            }
            if (best.Major > ImageFormat.Major) throw ImageErrors.VersionTooNew(path, best.Major, best.Minor, writing: false);
            if (!ImageFormat.KnowsMajor(best.Major)) throw ImageErrors.Damaged(path, $"the image head has an invalid format version {best.Major}.{best.Minor}");
            if (best.Layout != layout) throw ImageErrors.Damaged(path, $"the image head says {best.Layout} but the image is a {layout}");
            // Of an older major, only minor 0 exists.
            if (writable && best.Minor > (best.Major == ImageFormat.Major ? ImageFormat.Minor : 0)) throw ImageErrors.VersionTooNew(path, best.Major, best.Minor, writing: true);
            if (writable && best.Sealed) throw ImageErrors.Sealed(path);
            storage.ImageId = best.ImageId;
            return new BackupImage(path, storage, best, bestSlot, problems);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>A new image's first state (before its first commit): the creator's storage, head, keys and empty manifest.</summary>
    internal static BackupImage Initialize(string path, ImageStorage storage, ImageHead head, ImageKeys keys, Manifest manifest) =>
        new(path, storage, head, slot: 1, Array.Empty<string>()) { _keys = keys, _manifest = manifest };

    public static BackupImage Open(string path, Passphrase? passphrase, bool writable)
    {
        var image = OpenHeads(path, writable);
        try
        {
            image.Unlock(passphrase);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>The key slot the passphrase opened.</summary>
    public KeySlot? OpenedSlot { get; private set; }

    /// <summary>Unlocks the master key, then reads the manifest and the index.</summary>
    public void Unlock(Passphrase? passphrase)
    {
        byte[]? master = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var slot in Head.Slots)
        {
            master = slot.TryUnwrap(passphrase, Head.ImageId, Head.Encryption);
            if (master is null) continue;
            OpenedSlot = slot;
            break;
        }
        if (master is null)
        {
            if (Head.Encryption != ImageEncryption.None && passphrase is null) throw ImageErrors.PassphraseRequired(Path);
            if (Head.Encryption == ImageEncryption.None) throw ImageErrors.Damaged(Path, "the key slot of this unencrypted image is invalid");
            throw ImageErrors.WrongPassphrase(Path);
        }
        KeyDerivationTime = clock.Elapsed;
        try
        {
            _keys = new ImageKeys(master, Head.ImageId, Head.Encryption);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
        }
        clock.Restart();
        LoadManifest();
        LoadTime = clock.Elapsed;
    }

    /// <summary>How long <see cref="Unlock"/> spent deriving the key from the passphrase (the key slots' PBKDF2).</summary>
    public TimeSpan KeyDerivationTime { get; private set; }

    /// <summary>How long <see cref="Unlock"/> spent reading the manifest and the index.</summary>
    public TimeSpan LoadTime { get; private set; }

    private void LoadManifest()
    {
        var head = Head;
        var holder = new PackInfo(head.Manifest.Pack, true, long.MaxValue, head.ManifestLocation, head.ManifestMirrorLocation);
        Manifest manifest;
        try
        {
            var plain = ReadRecord(holder, head.Manifest.Offset, head.Manifest.Length, BlobKind.Manifest, head.Manifest.Id, checkId: true);
            manifest = Manifest.Decode(plain);
        }
        catch (ImageFormatException ex)
        {
            throw ImageErrors.Damaged(Path, "its manifest cannot be read (" + ex.Message + ")", ex);
        }
        string? problem = CheckManifest(manifest, head);
        if (problem is not null) throw ImageErrors.Damaged(Path, "its manifest " + problem);
        _manifest = manifest;
        _packs = manifest.Packs.ToDictionary(p => p.Number);
        LoadIndex();
    }

    private static string? CheckManifest(Manifest m, ImageHead head)
    {
        if (!m.ImageId.AsSpan().SequenceEqual(head.ImageId)) return "belongs to another image";
        if (m.Config.Layout != head.Layout || m.Config.Encryption != head.Encryption || m.Config.Sealed != head.Sealed)
            return "does not match the image head";
        if (m.Config.Compression.Codec > ImageFormat.HighestCodec(head.Major)) return "names a codec its format version does not have";
        var own = m.Packs.FirstOrDefault(p => p.Number == head.Manifest.Pack);
        if (own is null || !own.IsMetadata || (long)head.Manifest.Offset + head.Manifest.Length > own.Length
            || own.Location != head.ManifestLocation || own.MirrorLocation != head.ManifestMirrorLocation)
            return "does not list the pack it is in";
        if (head.Layout == ImageLayout.SingleFile)
        {
            var regions = new List<(long Start, long End)>();
            foreach (var p in m.Packs)
            {
                regions.Add((p.Location, p.Location + p.Length));
                if (p.IsMetadata) regions.Add((p.MirrorLocation, p.MirrorLocation + p.Length));
            }
            regions.Sort();
            long at = ImageFormat.HeadsSize;
            foreach (var (s, e) in regions)
            {
                if (s < at) return "lists packs that overlap";
                at = e;
            }
            if (at > head.CommittedEnd) return "lists packs past the committed end";
        }
        return null;
    }

    private void LoadIndex()
    {
        var index = new ChunkIndex(Math.Max(1024, Manifest.IndexBlobs.Count * 1024));
        foreach (var blob in Manifest.IndexBlobs)
        {
            byte[] plain;
            try
            {
                var pack = _packs.GetValueOrDefault(blob.Pack) ?? throw new ImageFormatException("an index blob is in an unknown pack");
                if (!pack.IsMetadata) throw new ImageFormatException("an index blob is in a data pack");
                plain = ReadRecord(pack, blob.Offset, blob.Length, BlobKind.Index, blob.Id, checkId: true);
                DecodeIndex(plain, index, _packs);
            }
            catch (ImageFormatException ex)
            {
                throw ImageErrors.Damaged(Path, "its index cannot be read (" + ex.Message + ")", ex);
            }
        }
        index.MarkCommitted();
        Index = index;
    }

    public static void DecodeIndex(ReadOnlySpan<byte> plain, ChunkIndex into, IReadOnlyDictionary<uint, PackInfo> packs)
    {
        var r = new ByteReader(plain);
        if (r.U8() != 1) throw new ImageFormatException("an index blob has an unknown version");
        int n = r.Count(ImageFormat.IndexEntriesPerBlob, IndexEntry.EncodedSize);
        var batch = new IndexEntry[n];
        for (int i = 0; i < n; i++)
        {
            ref var e = ref batch[i];
            e = new IndexEntry
            {
                Id = r.Id(),
                Pack = r.U32(),
                Offset = r.U32(),
                Length = r.U32(),
                RawLength = r.U32(),
                Kind = (BlobKind)r.U8(),
                Codec = r.U8(),
            };
            if (e.Kind is not (BlobKind.Data or BlobKind.Tree or BlobKind.ContentList) || e.Codec > ImageFormat.NewestCodec || e.Length < BlobCodec.Overhead
                || e.RawLength > ImageFormat.MaxRawLength || !packs.TryGetValue(e.Pack, out var pack) || (long)e.Offset + e.Length > pack.Length
                || e.Offset < ImageFormat.PackHeaderSize || (e.Kind == BlobKind.Data) == pack.IsMetadata)
                throw new ImageFormatException("an index entry points outside the image");
        }
        r.End();
        into.AddRange(batch);
    }

    public static byte[] EncodeIndex(ReadOnlySpan<IndexEntry> entries)
    {
        var w = new ByteWriter(1 + 5 + entries.Length * IndexEntry.EncodedSize);
        w.U8(1).Varint((ulong)entries.Length);
        foreach (ref readonly var e in entries)
            w.Id(e.Id).U32(e.Pack).U32(e.Offset).U32(e.Length).U32(e.RawLength).U8((byte)e.Kind).U8(e.Codec);
        return w.ToArray();
    }

    /// <summary>Reads and decodes one record, from the mirror when the primary copy of a metadata pack fails.</summary>
    public byte[] ReadRecord(PackInfo pack, uint offset, uint length, BlobKind kind, in ChunkId id, bool checkId)
    {
        try
        {
            return ReadCopy(pack, mirror: false, offset, length, kind, id, checkId);
        }
        catch (Exception ex) when (pack.IsMetadata && ex is ImageFormatException or IOException)
        {
            try
            {
                var plain = ReadCopy(pack, mirror: true, offset, length, kind, id, checkId);
                string problem = $"{Storage.Describe(pack, false)}: a {kind} record at offset {offset} is damaged ({ex.Message}); its mirror copy was used";
                Recovered.Enqueue((pack, problem));
                OnRecovered?.Invoke(problem);
                return plain;
            }
            catch (Exception ex2) when (ex2 is ImageFormatException or IOException)
            {
                throw new ImageFormatException($"both copies of a {kind} record in pack {pack.Number} are damaged ({ex.Message}; mirror: {ex2.Message})");
            }
        }
        catch (IOException ex)
        {
            throw new ImageFormatException($"{Storage.Describe(pack, false)} cannot be read ({ex.Message})");
        }
    }

    private byte[] ReadCopy(PackInfo pack, bool mirror, uint offset, uint length, BlobKind kind, in ChunkId id, bool checkId)
    {
        if (length < BlobCodec.Overhead || length > BlobCodec.MaxRecordLength(ImageFormat.MaxRawLength))
            throw new ImageFormatException("a record length is impossible");
        var record = new byte[length];
        Storage.Read(pack, mirror, offset, record);
        return BlobCodec.Decode(Keys, record, kind, id, checkId);
    }

    /// <summary>Decodes an indexed data blob into <paramref name="output"/> (at least its raw length)
    /// without allocating; returns the raw length.</summary>
    public int ReadBlobInto(in ChunkId id, BlobKind kind, Span<byte> output)
    {
        if (!Index.TryGet(id, out var e) || e.Pending) throw new ImageFormatException($"chunk {id} is not in the index");
        if (e.RawLength > output.Length) throw new ImageFormatException($"chunk {id} is larger than its extent");
        var pack = _packs.GetValueOrDefault(e.Pack) ?? SessionPack?.Invoke(e.Pack) ?? throw new ImageFormatException($"chunk {id} is in an unknown pack");
        if (e.Length < BlobCodec.Overhead || e.Length > BlobCodec.MaxRecordLength(ImageFormat.MaxRawLength))
            throw new ImageFormatException("a record length is impossible");
        var record = BufferPool.Shared.Rent((int)e.Length);
        try
        {
            foreach (bool mirror in pack.IsMetadata ? new[] { false, true } : new[] { false })
            {
                try
                {
                    var span = record.AsSpan(0, (int)e.Length);
                    Storage.Read(pack, mirror, e.Offset, span);
                    var header = BlobCodec.ReadHeader(span);
                    if (header.RawLength > output.Length) throw new ImageFormatException("a record is larger than its extent");
                    BlobCodec.DecodeInto(Keys, span, header, kind, id, checkId: !Keys.Encrypted, output);
                    return header.RawLength;
                }
                catch (IOException ex)
                {
                    if (mirror || !pack.IsMetadata) throw new ImageFormatException($"{Storage.Describe(pack, mirror)} cannot be read ({ex.Message})");
                }
                catch (ImageFormatException) when (!mirror && pack.IsMetadata)
                {
                }
            }
            throw new ImageFormatException("unreachable");
        }
        finally
        {
            BufferPool.Shared.Return(record);
        }
    }

    /// <summary>The plaintext of an indexed blob.</summary>
    public byte[] ReadBlob(in ChunkId id, BlobKind kind)
    {
        if (!Index.TryGet(id, out var e) || e.Pending) throw new ImageFormatException($"chunk {id} is not in the index");
        return ReadEntry(e, kind);
    }

    public byte[] ReadEntry(in IndexEntry e, BlobKind kind)
    {
        var pack = _packs.GetValueOrDefault(e.Pack) ?? SessionPack?.Invoke(e.Pack) ?? throw new ImageFormatException($"chunk {e.Id} is in an unknown pack");
        return ReadRecord(pack, e.Offset, e.Length, kind, e.Id, checkId: !Keys.Encrypted);
    }

    /// <summary>Finds packs written by the current session (not yet in the manifest), for reads before the commit.</summary>
    public Func<uint, PackInfo?>? SessionPack { get; set; }

    public List<TreeNode> ReadTree(in ChunkId id) => TreeCodec.DecodeTree(ReadBlob(id, BlobKind.Tree));

    /// <summary>The extents of a file, reading its content lists when it has them.</summary>
    public Extent[] ResolveExtents(FileContent content)
    {
        if (content.Extents is { } inline) return inline;
        var all = new List<Extent>();
        foreach (var list in content.Lists!)
            all.AddRange(TreeCodec.DecodeContentList(ReadBlob(list.Id, BlobKind.ContentList), list.Bytes));
        return all.ToArray();
    }

    public SnapshotRecord FindSnapshot(string? idOrLatest)
    {
        var snapshots = Manifest.Snapshots;
        if (string.IsNullOrEmpty(idOrLatest) || idOrLatest.Equals("latest", StringComparison.OrdinalIgnoreCase))
            return snapshots.Count > 0 ? snapshots[^1] : throw new PSCloneException("ImageEmpty", FailureKind.ObjectNotFound,
                $"The backup image '{Path}' has no snapshots yet. Make one with 'psclone clone SOURCE {Path}'.", Path);
        string wanted = idOrLatest.Trim().ToLowerInvariant();
        var matches = snapshots.Where(s => s.IdText.StartsWith(wanted, StringComparison.Ordinal)).ToList();
        if (wanted.Length < 4 || matches.Count == 0) throw ImageErrors.SnapshotNotFound(Path, idOrLatest);
        if (matches.Count > 1)
            throw new PSCloneException("SnapshotIdAmbiguous", FailureKind.InvalidArgument,
                $"'{idOrLatest}' names {matches.Count} snapshots of '{Path}'. Give more digits of the id.", idOrLatest);
        return matches[0];
    }

    /// <summary>Makes <paramref name="next"/> the committed state: writes the other head copy, then this one (format §11.1).</summary>
    internal void CommitHead(Manifest next, BlobRef manifestRef, PackInfo manifestPack, byte[]? seal = null)
    {
        var head = Head with
        {
            Sequence = Head.Sequence + 1,
            Manifest = manifestRef,
            ManifestLocation = manifestPack.Location,
            ManifestMirrorLocation = manifestPack.MirrorLocation,
            CommittedEnd = ImageStorage.EndOf(next),
            Sealed = next.Config.Sealed,
            Seal = seal ?? new byte[32],
        };
        WriteHeads(head);
        _manifest = next;
        _packs = next.Packs.ToDictionary(p => p.Number);
    }

    /// <summary>Writes a new head (key slots changed, or a commit) to both copies, the spare first.</summary>
    internal void WriteHeads(ImageHead head)
    {
        var bytes = head.Encode();
        int first = 1 - CurrentSlot;
        Storage.WriteHead(first, bytes);
        Head = head;
        CurrentSlot = first;
        Storage.WriteHead(1 - first, bytes);
    }

    internal void ReplaceIndex(ChunkIndex index) => Index = index;

    public BackupImageInfo Describe()
    {
        var m = Manifest;
        return new BackupImageInfo
        {
            Path = Path,
            Layout = Head.Layout,
            Encryption = Head.Encryption,
            FormatVersion = $"{Head.Major}.{Head.Minor}",
            ImageId = Convert.ToHexString(Head.ImageId).ToLowerInvariant(),
            Capacity = m.Config.Capacity,
            Size = m.Size,
            DiskSize = Storage.DiskSize(),
            SnapshotCount = m.Snapshots.Count,
            ChunkCount = Index.Count,
            PackCount = m.Packs.Count,
            Sealed = Head.Sealed,
            Generation = (long)m.Generation,
            LatestSnapshot = m.Snapshots.Count > 0 ? m.Snapshots[^1].Time : null,
        };
    }

    public void Dispose()
    {
        _keys?.Dispose();
        Storage.Dispose();
    }
}
