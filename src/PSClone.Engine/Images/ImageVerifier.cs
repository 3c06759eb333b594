using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using PSClone.Cloning;

namespace PSClone.Images;

/// <summary>Verification (format §14): structure always; with read-data every byte of every pack
/// and mirror; on a sealed image always the seal. Each problem is reported as an
/// <see cref="ImageVerifyFinding"/>, with the snapshot files it affects.</summary>
internal sealed class ImageVerifier
{
    private readonly IEngineEvents _events;
    private readonly List<ImageVerifyFinding> _findings = new();
    private readonly object _gate = new();
    private string _image = "";
    private long _chunks;
    private long _bytes;

    public ImageVerifier(IEngineEvents events) => _events = events;

    private void Report(ImageProblem problem, string target, string message, string? snapshot = null, string? path = null)
    {
        var finding = new ImageVerifyFinding { Image = _image, Problem = problem, Target = target, Message = message, SnapshotId = snapshot, Path = path };
        lock (_gate) _findings.Add(finding);
        _events.Item(finding);
    }

    public ImageVerifyResult Run(string path, bool readData, Passphrase? passphrase, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        _image = Path.GetFullPath(path).TrimEnd('/');
        BackupImage image;
        try
        {
            image = BackupImage.OpenHeads(path, writable: false);
        }
        catch (PSCloneException ex) when (ex.ErrorId == "ImageDamaged")
        {
            Report(ImageProblem.HeadDamaged, _image, ex.Message);
            return Result(readData, false, 0, 0, clock);
        }
        using (image)
        {
            foreach (var problem in image.HeadProblems)
                Report(ImageProblem.HeadDamaged, _image, $"The image head is damaged ({problem}); the other copy is intact and is used. The next change to the image rewrites it.");
            try
            {
                image.Unlock(passphrase);
            }
            catch (PSCloneException ex) when (ex.ErrorId == "ImageDamaged")
            {
                Report(ImageProblem.ManifestDamaged, _image, ex.Message);
                return Result(readData, false, 0, 0, clock);
            }
            bool seal = image.Head.Sealed;
            var damagedChunks = new ConcurrentDictionary<ChunkId, string>();
            CheckPackLengths(image);
            if (readData || seal) ReadPacks(image, damagedChunks, seal, cancel);
            if ((readData || seal) && image.Storage is SingleFileStorage single) CheckGaps(image, single, cancel);
            int affected = CheckSnapshots(image, damagedChunks, cancel);
            foreach (var (pack, problem) in image.Recovered.DistinctBy(r => r.Problem))
            {
                if (!readData && !seal) Report(ImageProblem.MirrorOnly, image.Storage.Describe(pack, false), problem);
            }
            return Result(readData, seal, image.Manifest.Snapshots.Count, image.Manifest.Packs.Count, clock, affected);
        }
    }

    private ImageVerifyResult Result(bool readData, bool seal, int snapshots, int packs, Stopwatch clock, int affected = 0) => new()
    {
        Image = _image,
        Intact = _findings.Count == 0,
        ReadData = readData,
        SealChecked = seal,
        Snapshots = snapshots,
        PacksChecked = packs,
        ChunksChecked = _chunks,
        BytesRead = _bytes,
        Problems = _findings.Count(f => f.Problem is not (ImageProblem.FileDamaged or ImageProblem.FolderDamaged)),
        AffectedItems = affected,
        Duration = clock.Elapsed,
    };

    private void CheckPackLengths(BackupImage image)
    {
        foreach (var pack in image.Manifest.Packs)
        {
            foreach (bool mirror in pack.IsMetadata ? new[] { false, true } : new[] { false })
            {
                long? stored = image.Storage.StoredLength(pack, mirror);
                string name = image.Storage.Describe(pack, mirror);
                if (stored is null) Report(ImageProblem.PackMissing, name, $"{name} is missing.");
                else if (stored < pack.Length) Report(ImageProblem.PackDamaged, name, $"{name} is cut short: {stored} of {pack.Length} bytes.");
                else if (stored > pack.Length && image.Head.Layout == ImageLayout.Bundle)
                    Report(ImageProblem.PackDamaged, name, $"{name} is {stored} bytes, longer than the {pack.Length} bytes written.");
            }
        }
    }

    /// <summary>Reads every pack (and mirror) record by record: header, tag, decompression, id.</summary>
    private void ReadPacks(BackupImage image, ConcurrentDictionary<ChunkId, string> damaged, bool seal, CancellationToken cancel)
    {
        var manifest = image.Manifest;
        var byPack = image.Index.All().GroupBy(e => e.Pack).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Offset).ToArray());
        var system = new Dictionary<uint, List<(uint Offset, uint Length, BlobKind Kind, ChunkId Id)>>();
        foreach (var b in manifest.IndexBlobs) Add(system, b.Pack, (b.Offset, b.Length, BlobKind.Index, b.Id));
        var m = image.Head.Manifest;
        Add(system, m.Pack, (m.Offset, m.Length, BlobKind.Manifest, m.Id));
        var jobs = manifest.Packs.SelectMany(p => p.IsMetadata ? new[] { (p, false), (p, true) } : new[] { (p, false) }).ToList();
        var digests = new ConcurrentDictionary<(uint, bool), byte[]>();
        var badRecords = new ConcurrentDictionary<(uint Pack, uint Offset), (bool Mirror, string Why)>();
        long total = jobs.Sum(j => j.Item1.Length);
        var progress = new ProgressTracker(_events, "Verifying " + _image, jobs.Count, total);
        try
        {
            Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, job =>
            {
                var (pack, mirror) = job;
                string name = image.Storage.Describe(pack, mirror);
                progress.Start(name);
                if (seal) digests[(pack.Number, mirror)] = Digest(image, pack, mirror);
                CheckPack(image, pack, mirror, name, byPack.GetValueOrDefault(pack.Number) ?? Array.Empty<IndexEntry>(),
                    system.GetValueOrDefault(pack.Number), badRecords, cancel);
                progress.Done(pack.Length);
            });
        }
        finally
        {
            progress.Complete();
        }

        // A metadata record is lost only when both copies are damaged; a data record has one copy.
        foreach (var (key, entries) in byPack)
        {
            var pack = image.Packs[key];
            foreach (var e in entries)
            {
                bool lost = pack.IsMetadata ? _lostBoth.ContainsKey((key, e.Offset)) : badRecords.ContainsKey((key, e.Offset));
                if (lost) damaged[e.Id] = badRecords.TryGetValue((key, e.Offset), out var why) ? why.Why : "damaged";
            }
        }

        if (seal) CheckSeal(image, digests);
    }

    private readonly ConcurrentDictionary<(uint, uint), byte> _lostBoth = new();
    private readonly ConcurrentDictionary<(uint, uint, bool), byte> _badCopies = new();

    private static void Add<T>(Dictionary<uint, List<T>> map, uint key, T value)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = new List<T>();
        list.Add(value);
    }

    /// <summary>SHA-256 of a pack copy (for the seal); an empty array when it cannot be read.</summary>
    private byte[] Digest(BackupImage image, PackInfo pack, bool mirror)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = BufferPool.Shared.Rent(1 << 20);
        try
        {
            for (long at = 0; at < pack.Length; at += buffer.Length)
            {
                var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, pack.Length - at));
                image.Storage.Read(pack, mirror, at, span);
                sha.AppendData(span);
            }
            return sha.GetHashAndReset();
        }
        catch (Exception ex) when (ex is ImageFormatException or IOException)
        {
            return Array.Empty<byte>();
        }
        finally
        {
            BufferPool.Shared.Return(buffer);
        }
    }

    /// <summary>A window over a pack copy: records are read through it without holding the whole pack.</summary>
    private sealed class PackWindow(ImageStorage storage, PackInfo pack, bool mirror) : IDisposable
    {
        private NativeBuffer _buffer = BufferPool.Shared.Rent(2 << 20);
        private long _start;
        private int _length;

        public ReadOnlySpan<byte> Get(long offset, int length)
        {
            if (offset < _start || offset + length > _start + _length)
            {
                if (_buffer.Length < length)
                {
                    BufferPool.Shared.Return(_buffer);
                    _buffer = BufferPool.Shared.Rent(length);
                }
                int n = (int)Math.Min(_buffer.Length, pack.Length - offset);
                if (n < length) throw new ImageFormatException("a record runs past the end of its pack");
                _start = offset;
                _length = 0;
                storage.Read(pack, mirror, offset, _buffer.AsSpan(0, n));
                _length = n;
            }
            return _buffer.AsSpan((int)(offset - _start), length);
        }

        public void Dispose() => BufferPool.Shared.Return(_buffer);
    }

    private void CheckPack(BackupImage image, PackInfo pack, bool mirror, string name, IndexEntry[] entries,
        List<(uint Offset, uint Length, BlobKind Kind, ChunkId Id)>? system, ConcurrentDictionary<(uint Pack, uint Offset), (bool Mirror, string Why)> bad,
        CancellationToken cancel)
    {
        // What the index and manifest say is where; used to step over a record whose length field is damaged.
        var known = new SortedDictionary<uint, (uint Length, BlobKind Kind, ChunkId Id, bool Indexed)>();
        foreach (var e in entries) known[e.Offset] = (e.Length, e.Kind, e.Id, true);
        if (system is not null) foreach (var s in system) known[s.Offset] = (s.Length, s.Kind, s.Id, false);
        var damagedRanges = new List<string>();
        using var window = new PackWindow(image.Storage, pack, mirror);
        try
        {
            if (PackHeader.Check(window.Get(0, ImageFormat.PackHeaderSize), pack.Number, image.Head.ImageId) is { } headerProblem)
                damagedRanges.Add("header: " + headerProblem);
        }
        catch (Exception ex) when (ex is ImageFormatException or IOException)
        {
            Report(ImageProblem.PackDamaged, name, $"{name} cannot be read ({ex.Message}).");
            foreach (var e in entries) MarkBad(pack, e.Offset, mirror, ex.Message, bad);
            return;
        }

        long at = ImageFormat.PackHeaderSize;
        while (at < pack.Length)
        {
            cancel.ThrowIfCancellationRequested();
            uint offset = (uint)at;
            string? problem = null;
            long length = 0;
            bool hasKnown = known.TryGetValue(offset, out var expected);
            try
            {
                var header = BlobCodec.ReadHeader(window.Get(at, (int)Math.Min(BlobCodec.HeaderSize, pack.Length - at)));
                length = header.RecordLength;
                if (at + length > pack.Length) throw new ImageFormatException("a record runs past the end of its pack");
                if (hasKnown && (expected.Length != length || expected.Kind != header.Kind || expected.Id != header.Id))
                    throw new ImageFormatException("a record does not match what the index says is there");
                if (header.Kind == BlobKind.Data == pack.IsMetadata) throw new ImageFormatException("a record is in the wrong kind of pack");
                var plain = BufferPool.Shared.Rent(Math.Max(1, header.RawLength));
                try
                {
                    BlobCodec.DecodeInto(image.Keys, window.Get(at, (int)length), header, header.Kind, header.Id, checkId: true, plain.AsSpan(0, header.RawLength));
                }
                finally
                {
                    BufferPool.Shared.Return(plain);
                }
                Interlocked.Increment(ref _chunks);
                Interlocked.Add(ref _bytes, length);
            }
            catch (Exception ex) when (ex is ImageFormatException or IOException)
            {
                problem = ex.Message;
            }
            if (problem is null)
            {
                at += length;
                continue;
            }
            if (hasKnown) MarkBad(pack, offset, mirror, problem, bad);
            damagedRanges.Add($"offset {offset}: {problem}");
            // Resume at the next record the index or manifest knows, past this one.
            long resume = hasKnown ? at + expected.Length : -1;
            var nextKnown = known.Keys.Where(k => k > offset).Cast<uint?>().FirstOrDefault();
            if (resume <= at || resume > pack.Length || (nextKnown is { } nk && resume > nk)) resume = nextKnown is { } n ? n : pack.Length;
            at = resume;
        }
        if (damagedRanges.Count > 0)
        {
            string what = pack.IsMetadata ? (mirror ? " (the primary copy is checked separately)" : " (its mirror is checked separately)") : "";
            Report(pack.IsMetadata ? ImageProblem.PackDamaged : ImageProblem.ChunkDamaged, name,
                $"{name} has {damagedRanges.Count} damaged part(s){what}: {string.Join("; ", damagedRanges.Take(5))}{(damagedRanges.Count > 5 ? "; ..." : "")}.");
        }
    }

    private void MarkBad(PackInfo pack, uint offset, bool mirror, string problem, ConcurrentDictionary<(uint Pack, uint Offset), (bool Mirror, string Why)> bad)
    {
        bad[(pack.Number, offset)] = (mirror, problem);
        _badCopies[(pack.Number, offset, mirror)] = 0;
        if (pack.IsMetadata && _badCopies.ContainsKey((pack.Number, offset, !mirror))) _lostBoth[(pack.Number, offset)] = 0;
    }

    /// <summary>Unused space of a SingleFile image must be zeros (writers zero what they release).
    /// Leftovers of an interrupted compaction start with a pack header of this image and are allowed
    /// up to the next run of zeros; anything else is damage.</summary>
    private void CheckGaps(BackupImage image, SingleFileStorage storage, CancellationToken cancel)
    {
        long end = Math.Min(image.Head.CommittedEnd, storage.FileLength);
        var block = new byte[1 << 20];
        foreach (var (start, gapEnd) in SingleFileStorage.GapsOf(image.Manifest))
        {
            bool leftover = false;
            for (long at = start; at < Math.Min(gapEnd, end); at += block.Length)
            {
                cancel.ThrowIfCancellationRequested();
                int n = (int)Math.Min(block.Length, Math.Min(gapEnd, end) - at);
                var span = block.AsSpan(0, n);
                image.Storage.Read(new PackInfo(0, false, long.MaxValue, at, 0), false, 0, span);
                Interlocked.Add(ref _bytes, n);
                for (int i = 0; i < n;)
                {
                    int nonZero = span[i..].IndexOfAnyExcept((byte)0);
                    if (nonZero < 0)
                    {
                        if (n - i >= 4096) leftover = false;
                        break;
                    }
                    if (nonZero >= 4096) leftover = false;
                    i += nonZero;
                    if (!leftover && i + ImageFormat.PackHeaderSize <= n
                        && PackHeader.Check(span.Slice(i, ImageFormat.PackHeaderSize), BinaryPrimitives.ReadUInt32LittleEndian(span[(i + 12)..]), image.Head.ImageId) is null)
                        leftover = true;
                    if (!leftover)
                    {
                        Report(ImageProblem.PackDamaged, $"offset {at + i}",
                            $"Unused space at offset {at + i} of '{_image}' holds unexpected bytes (it should be zeros): the disk changed data the image does not use. Nothing stored is affected.");
                        break;
                    }
                    int zeroRun = span[i..].IndexOf(new byte[Math.Min(4096, n - i)]);
                    if (zeroRun < 0) break;
                    i += zeroRun;
                }
            }
        }
    }

    private void CheckSeal(BackupImage image, ConcurrentDictionary<(uint, bool), byte[]> digests)
    {
        var expected = Sealer.ComputeSeal(image.Keys, image.Manifest, image.Head.Manifest, pack => (digests.GetValueOrDefault((pack.Number, false)), digests.GetValueOrDefault((pack.Number, true))));
        if (expected is null || !CryptographicOperations.FixedTimeEquals(expected, image.Head.Seal))
            Report(ImageProblem.SealBroken, _image, $"The seal of '{_image}' does not match its content: the sealed image was modified or damaged.");
    }

    /// <summary>Walks every snapshot's trees: every referenced chunk must be indexed and undamaged;
    /// reports each file or folder that is affected. Returns how many items are affected.</summary>
    private int CheckSnapshots(BackupImage image, ConcurrentDictionary<ChunkId, string> damaged, CancellationToken cancel)
    {
        int affected = 0;
        var goodTrees = new HashSet<ChunkId>();
        var badTrees = new Dictionary<ChunkId, string>();
        var reportedMissing = new HashSet<ChunkId>();
        foreach (var snapshot in image.Manifest.Snapshots)
        {
            string sid = snapshot.IdText;
            void Folder(TreeNode node, string path)
            {
                cancel.ThrowIfCancellationRequested();
                string shown = path.Length == 0 ? "/" : path;
                if (badTrees.TryGetValue(node.Subtree, out var why))
                {
                    affected++;
                    Report(ImageProblem.FolderDamaged, shown, $"Snapshot {sid}: the folder '{shown}' cannot be listed ({why}); nothing in it can be restored.", sid, shown);
                    return;
                }
                List<TreeNode> children;
                try
                {
                    children = image.ReadTree(node.Subtree);
                }
                catch (ImageFormatException ex)
                {
                    badTrees[node.Subtree] = ex.Message;
                    Report(ImageProblem.TreeDamaged, node.Subtree.ToString(), $"The listing of folder '{shown}' (tree {node.Subtree}) is damaged: {ex.Message}.");
                    affected++;
                    Report(ImageProblem.FolderDamaged, shown, $"Snapshot {sid}: the folder '{shown}' cannot be listed; nothing in it can be restored.", sid, shown);
                    return;
                }
                bool seen = !goodTrees.Add(node.Subtree);
                foreach (var child in children)
                {
                    string rel = path.Length == 0 ? child.Name : path + "/" + child.Name;
                    if (child.Type == ItemType.Directory) Folder(child, rel);
                    else if (child.Type == ItemType.File) File(child, rel, seen);
                }
            }
            void File(TreeNode node, string path, bool seen)
            {
                Extent[] extents;
                try
                {
                    extents = image.ResolveExtents(node.Content!);
                }
                catch (ImageFormatException ex)
                {
                    affected++;
                    Report(ImageProblem.FileDamaged, path, $"Snapshot {sid}: '{path}' cannot be restored: its content list is damaged ({ex.Message}).", sid, path);
                    return;
                }
                foreach (var e in extents)
                {
                    if (e.Hole) continue;
                    string? problem = null;
                    if (damaged.TryGetValue(e.Id, out var why)) problem = $"chunk {e.Id} is damaged ({why})";
                    else if (!image.Index.Contains(e.Id))
                    {
                        problem = $"chunk {e.Id} is missing";
                        if (reportedMissing.Add(e.Id)) Report(ImageProblem.ChunkMissing, e.Id.ToString(), $"Chunk {e.Id} is used but not in the image.");
                    }
                    if (problem is null) continue;
                    affected++;
                    Report(ImageProblem.FileDamaged, path, $"Snapshot {sid}: '{path}' cannot be restored: {problem}.", sid, path);
                    return;
                }
            }
            if (snapshot.Root.Type == ItemType.Directory) Folder(snapshot.Root, "");
            else File(snapshot.Root, Path.GetFileName(snapshot.Source), false);
        }
        return affected;
    }
}
