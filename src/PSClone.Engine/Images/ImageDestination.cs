using System.Collections.Concurrent;
using System.Security.Cryptography;
using PSClone.Cloning;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>A backup image as clone destination: the existing state is the latest snapshot; new and
/// changed files are chunked into the image; unchanged files keep the chunk lists of that snapshot
/// without being read; <see cref="Finish"/> writes the trees and commits a new snapshot.</summary>
internal sealed class ImageDestination : ICloneDestination
{
    private static readonly DestinationTraits ImageTraits = new()
    {
        CompareOwner = true,
        CompareXattrs = true,
        ComparePermissions = true,
        CompareAttributes = true,
        CompareLinkTimes = true,
        TimeResolutionNs = 1,
        HasSafetyNet = false,
        RecordsUnchanged = true,
    };

    private readonly IFileSystem _fs;
    private readonly CloneRequest _request;
    private readonly string _path;
    private readonly ConcurrentDictionary<FsEntry, TreeNode> _stored = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, TreeNode> _storedByPath = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = new();
    private readonly List<string> _timings = new();
    private IEngineEvents? _events;
    private Dictionary<FsEntry, PlanStep> _steps = new(ReferenceEqualityComparer.Instance);
    private BackupImage? _image;
    private ImageSession? _session;
    private ChunkPipeline? _pipeline;
    private Chunker? _chunker;
    private SnapshotRecord? _parent;
    private FsEntry? _existingRoot;
    private long _existingCount;

    /// <summary>Files are chunked, compressed and encrypted on as many threads as there are cores
    /// (more would only hold more buffers).</summary>
    private readonly SemaphoreSlim _cpu = new(Environment.ProcessorCount);

    private readonly TimeSpan? _clockMargin;

    /// <param name="clockMargin">How much the source's status-change times may lag behind this
    /// machine's clock; null: 1 s, or 1 h for a source on a network file system.</param>
    public ImageDestination(IFileSystem fs, CloneRequest request, string path, TimeSpan? clockMargin = null)
    {
        _fs = fs;
        _request = request;
        _path = path;
        _clockMargin = clockMargin;
    }

    /// <summary>True when the path is an existing backup image. A path that does not exist but is
    /// named like an image is refused: cloning there would make a folder by mistake.</summary>
    public static bool IsImage(string destination)
    {
        if (string.IsNullOrWhiteSpace(destination)) return false;
        string full = Path.GetFullPath(destination).TrimEnd('/');
        if (BackupImage.IsImage(full)) return true;
        if (!File.Exists(full) && !Directory.Exists(full)
            && (full.EndsWith(ImageFormat.SingleFileExtension, StringComparison.OrdinalIgnoreCase) || full.EndsWith(ImageFormat.BundleExtension, StringComparison.OrdinalIgnoreCase)))
            throw new PSCloneException("ImageNotFound", FailureKind.ObjectNotFound,
                $"There is no backup image at '{destination}'. Create it first with 'psclone image new {destination}' (New-BackupImage), then clone into it.", destination);
        return false;
    }

    public string Display => _path;
    public DestinationTraits Traits => ImageTraits;
    public bool IsKnown => true;
    public MetadataLoss Loss => MetadataLoss.None;
    public long ExistingCount => _existingCount;

    /// <summary>Extended attributes change no time but the status-change time. A snapshot's time is
    /// when its run started (before it read anything), so a source item whose status has not changed
    /// since shortly before the parent snapshot's run still has the extended attributes that snapshot
    /// recorded: neither the planner nor <see cref="Finish"/> reads them again. Only for a parent of the
    /// same source on the same host (another source's items are other items).</summary>
    public (long Source, long Destination) XattrsUnchangedBeforeNs =>
        _xattrsUnchangedBeforeNs == long.MinValue ? (long.MinValue, long.MinValue) : (_xattrsUnchangedBeforeNs, long.MaxValue);

    private long _xattrsUnchangedBeforeNs = long.MinValue;
    private long _startedNs = UnixTime.NowNs();

    /// <summary>Takes the image's writer lock (the passphrase is checked while the source is scanned).</summary>
    public void Open(DateTimeOffset started)
    {
        _startedNs = Math.Min(_startedNs, UnixTime.Ns(started));
        _image ??= BackupImage.OpenHeads(_path, writable: true);
    }

    public FsEntry? ReadExisting(ScanOptions options, Action<string, string, Exception> onError, CancellationToken cancel)
    {
        _image ??= BackupImage.OpenHeads(_path, writable: false);
        _image.Unlock(_request.Passphrase);
        _timings.Add($"Opened {_path}: key derivation {_image.KeyDerivationTime.TotalMilliseconds:F0} ms, manifest and index " +
            $"{_image.LoadTime.TotalMilliseconds:F0} ms ({_image.Index.Count} chunks).");
        _chunker = new Chunker(_image.Manifest.Config.Chunker, _image.Keys.GearTable());
        _parent = _image.Manifest.Snapshots.LastOrDefault(s => s.Kind == SnapshotKind.Files);
        if (_parent is null) return null;
        if (ClonePaths.SamePath(_parent.Source, _request.Source) && _parent.Host == Environment.MachineName)
        {
            // Status-change times come from the clock of the source's file system: another host's for a network share.
            var margin = _clockMargin ?? (_fs.IsNetworkPath(_request.Source) ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(1));
            _xattrsUnchangedBeforeNs = _parent.TimeNs - margin.Ticks * 100;
        }
        var root = _parent.Root.ToFsEntry();
        root.Selected = !options.Filter.HasIncludes;
        root.Origin = _parent.Root;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        LoadTrees(root, options, cancel);
        _existingRoot = root;
        _timings.Add($"Read snapshot {_parent.IdText} ({_existingCount} items) in {clock.ElapsedMilliseconds} ms.");
        return root;
    }

    private sealed class TreeLoad
    {
        public readonly ConcurrentQueue<(FsEntry Folder, string Prefix)> Queue = new();
        public int Open;
        public Exception? Failure;
    }

    /// <summary>Reads the parent snapshot's folders on every core: the key derivation kept the
    /// other core waiting, and the source scan has usually finished by now.</summary>
    private void LoadTrees(FsEntry root, ScanOptions options, CancellationToken cancel)
    {
        var load = new TreeLoad { Open = 1 };
        load.Queue.Enqueue((root, ""));
        void Work()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref load.Open) > 0 && Volatile.Read(ref load.Failure) is null)
            {
                if (!load.Queue.TryDequeue(out var job))
                {
                    spin.SpinOnce();
                    continue;
                }
                spin = new SpinWait();
                try
                {
                    LoadFolder(job.Folder, job.Prefix, options, load, cancel);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref load.Failure, ex, null);
                }
                Interlocked.Decrement(ref load.Open);
            }
        }
        var helpers = Enumerable.Range(1, Math.Max(0, Environment.ProcessorCount - 1))
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Work();
        Task.WaitAll(helpers);
        if (load.Failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(load.Failure);
    }

    private void LoadFolder(FsEntry folder, string prefix, ScanOptions options, TreeLoad load, CancellationToken cancel)
    {
        GarbagePacer.Tick();
        cancel.ThrowIfCancellationRequested();
        List<TreeNode> children;
        try
        {
            children = _image!.ReadTree(((TreeNode)folder.Origin!).Subtree);
        }
        catch (ImageFormatException ex)
        {
            // The new snapshot is built from the source, so a damaged old listing only costs re-reading.
            lock (_warnings)
                _warnings.Add($"The folder '{(prefix.Length == 0 ? "/" : prefix.TrimEnd('/'))}' of snapshot {_parent!.IdText} cannot be read ({ex.Message}); its files are backed up again.");
            lock (_partial) _partial.Add(folder);
            folder.Children = new List<FsEntry>();
            return;
        }
        var list = new List<FsEntry>(children.Count);
        bool sorted = true;
        foreach (var child in children)
        {
            string rel = prefix + child.Name;
            bool isDir = child.Type == ItemType.Directory;
            if (options.Filter.IsExcluded(rel, isDir)) continue;
            var entry = child.ToFsEntry();
            if (_request.Checksum && child.Type == ItemType.File) entry.MTimeNs = long.MinValue; // re-read every file
            entry.Selected = folder.Selected || options.Filter.IsIncluded(rel, isDir);
            entry.Origin = child;
            sorted &= list.Count == 0 || string.CompareOrdinal(list[^1].Name, entry.Name) < 0;
            list.Add(entry);
        }
        // Writers sort entries by name, but readers accept any order; Finish walks both sides in name order.
        if (!sorted) list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        if (list.Count != children.Count) lock (_partial) _partial.Add(folder);
        folder.Children = list;
        Interlocked.Add(ref _existingCount, list.Count);
        foreach (var entry in list)
        {
            if (entry.Kind != ItemType.Directory) continue;
            Interlocked.Increment(ref load.Open);
            load.Queue.Enqueue((entry, prefix + entry.Name + "/"));
        }
    }

    public void CheckIdentity(ClonePlan plan)
    {
        if (_parent is not null && !ClonePaths.SamePath(_parent.Source, _request.Source))
            throw new PSCloneException("ImageBelongsToOtherSource", FailureKind.InvalidOperation,
                $"The backup image '{_path}' holds backups of '{_parent.Source}', not of '{_request.Source}'. " +
                "Check that the right image is connected; use -Force (--force) to back up into it anyway.", _path);
    }

    public void Prepare(ClonePlan plan, IEngineEvents events, CancellationToken cancel)
    {
        _events = events;
        foreach (var timing in _timings) events.Verbose(timing);
        // Only changes: an item without a step is unchanged (FileNode treats it as Keep).
        _steps = new Dictionary<FsEntry, PlanStep>(ReferenceEqualityComparer.Instance);
        foreach (var step in plan.Steps)
        {
            if (step.Source is not null && step.Kind != StepKind.Keep) _steps.TryAdd(step.Source, step);
        }
        _session = Guard(() => new ImageSession(_image!));
        if (plan.Steps.Any(s => s.Kind is StepKind.CopyFile or StepKind.UpdateFile && s.Bytes > 2L * _chunker!.Max))
            _pipeline = new ChunkPipeline(_session, Environment.ProcessorCount);
    }

    /// <summary>Image errors (full, disk full, write failed) stop the whole run; nothing is committed.</summary>
    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (PSCloneException ex) when (ex is not DestinationFailedException)
        {
            throw new DestinationFailedException(ex.ErrorId, ex.Kind, ex.Message, _path, ex, nothingDone: true);
        }
    }

    public void Apply(PlanStep step, CancellationToken cancel)
    {
        // Folders, links, metadata and removals are recorded by the trees Finish writes.
        if (step.Kind is not (StepKind.CopyFile or StepKind.UpdateFile)) return;
        _cpu.Wait(cancel);
        try
        {
            StoreFile(step, cancel);
        }
        finally
        {
            _cpu.Release();
        }
    }

    private void StoreFile(PlanStep step, CancellationToken cancel)
    {
        GarbagePacer.Tick();
        var wanted = step.Source!;
        string full = _request.Source + "/" + step.RelativePath;
        using var stream = _fs.OpenRead(full);
        var handle = (stream as FileStream)?.SafeFileHandle;
        // The entry recorded is that of the file read (through its handle), whatever takes its path meanwhile.
        FsEntry? Stat() => handle is not null ? _fs.GetEntry(handle, full, wanted.Name) : _fs.TryGetEntry(full, withXattrs: false);
        var before = Stat();
        if (before is not { Kind: ItemType.File }) throw new SourceChangedException(full);
        var runs = before.IsSparse && handle is not null ? FileRegions.DataRuns(handle, before.Size) : new List<(long, long)> { (0, before.Size) };
        var extents = new List<Extent>();
        // A large file's chunks are stored by the pipeline's encoders while this thread reads on;
        // a small one's here (handing it over would cost more than it saves).
        var chunks = _pipeline is not null && before.Size > 2L * _chunker!.Max ? new ChunkPipeline.FileChunks() : null;
        try
        {
            long pos = 0;
            foreach (var (start, length) in runs)
            {
                if (start > pos) extents.Add(new Extent(start - pos, true, default));
                ChunkRun(stream, handle, start, length, extents, full, chunks, cancel);
                pos = start + length;
            }
            if (pos < before.Size) extents.Add(new Extent(before.Size - pos, true, default));
            if (chunks is not null) FillIds(extents, chunks);
        }
        catch
        {
            chunks?.Abandon();
            throw;
        }
        var after = Stat();
        if (after is null || after.Size != before.Size || after.MTimeNs != before.MTimeNs) throw new SourceChangedException(full);

        var content = Guard(() => MakeContent(extents));
        before.Xattrs = WithXattrs(wanted, step.RelativePath, null).Xattrs;
        var node = TreeNode.From(before, wanted.Name, content, default, linkKey: wanted.LinkCount > 1);
        _stored[wanted] = node;
        if (_request.Verify) _storedByPath[step.RelativePath] = node; // only verification reads it back
    }

    /// <summary>Puts the ids of a file's pipelined chunks (submitted in file order) into its data extents.</summary>
    private void FillIds(List<Extent> extents, ChunkPipeline.FileChunks chunks)
    {
        IReadOnlyList<ChunkId> ids;
        try
        {
            ids = chunks.WaitAll();
        }
        catch (PSCloneException ex) when (ex is not DestinationFailedException)
        {
            throw new DestinationFailedException(ex.ErrorId, ex.Kind, ex.Message, _path, ex, nothingDone: true);
        }
        int k = 0;
        for (int i = 0; i < extents.Count; i++)
        {
            if (!extents[i].Hole) extents[i] = extents[i] with { Id = ids[k++] };
        }
    }

    private void ChunkRun(Stream stream, Microsoft.Win32.SafeHandles.SafeFileHandle? handle, long start, long length, List<Extent> extents, string path,
        ChunkPipeline.FileChunks? chunks, CancellationToken cancel)
    {
        int max = _chunker!.Max;
        // Two chunks' worth lets the cutter look a whole chunk ahead; a smaller run needs only itself.
        var buffer = BufferPool.Shared.Rent((int)Math.Min(2L * max, Math.Max(length, 1)));
        try
        {
            ChunkRun(stream, handle, start, length, extents, path, buffer, max, chunks, cancel);
        }
        finally
        {
            BufferPool.Shared.Return(buffer);
        }
    }

    private void ChunkRun(Stream stream, Microsoft.Win32.SafeHandles.SafeFileHandle? handle, long start, long length, List<Extent> extents, string path,
        NativeBuffer buffer, int max, ChunkPipeline.FileChunks? chunks, CancellationToken cancel)
    {
        long next = start, end = start + length;
        int filled = 0, consumed = 0;
        if (handle is null) stream.Position = start;
        while (true)
        {
            while (filled - consumed < max && next < end)
            {
                if (buffer.Length - filled < max && consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer.Span);
                    filled -= consumed;
                    consumed = 0;
                }
                int want = (int)Math.Min(buffer.Length - filled, end - next);
                int n = handle is not null ? RandomAccess.Read(handle, buffer.AsSpan(filled, want), next) : stream.Read(buffer.AsSpan(filled, want));
                if (n <= 0) throw new SourceChangedException(path); // it shrank while being read
                filled += n;
                next += n;
            }
            int available = filled - consumed;
            if (available == 0) return;
            cancel.ThrowIfCancellationRequested();
            int cut = _chunker!.FindCut(buffer.AsSpan(consumed, Math.Min(available, max)));
            var chunk = buffer.AsSpan(consumed, cut);
            if (chunks is null)
            {
                extents.Add(new Extent(cut, false, StoreChunk(chunk)));
            }
            else
            {
                var copy = BufferPool.Shared.Rent(cut);
                chunk.CopyTo(copy.Span);
                _pipeline!.Submit(chunks, copy, cut, cancel);
                extents.Add(new Extent(cut, false, default)); // its id once the pipeline has stored it
            }
            consumed += cut;
        }
    }

    private ChunkId StoreChunk(ReadOnlySpan<byte> chunk)
    {
        try
        {
            return _session!.StoreData(chunk);
        }
        catch (PSCloneException ex) when (ex is not DestinationFailedException)
        {
            throw new DestinationFailedException(ex.ErrorId, ex.Kind, ex.Message, _path, ex, nothingDone: true);
        }
    }

    private FileContent MakeContent(List<Extent> extents) => ContentLists.Make(_session!, extents);

    public bool TryMakeRoom(PlanStep step, long bytesCopiedSoFar, int roomMadeBefore, IEngineEvents events, CancellationToken cancel) => false;

    public int RoomMade => 0;

    public long AvailableBytes
    {
        get
        {
            if (_image is null) return 0;
            var m = _image.Manifest;
            long inImage = m.Config.Capacity - m.Size - (_session?.SessionBytes ?? 0);
            long onDisk = _fs.GetAvailableBytes(Path.GetDirectoryName(_path) ?? _path);
            return Math.Max(0, Math.Min(inImage, onDisk));
        }
    }

    public Stream OpenRead(string relativePath)
    {
        if (!_storedByPath.TryGetValue(relativePath, out var node))
            throw new FileNotFoundException($"'{relativePath}' was not stored in this run.");
        _session?.FlushBuffers();
        return new ImageFileStream(_image!, _image!.ResolveExtents(node.Content!), node.Size);
    }

    /// <summary>Every file is stored: the data buffers go back to the system, and one full collection
    /// drops what the data phase left on the managed heap, so the listings and the index are built
    /// in that memory rather than on top of it (about 30 ms for the medium dataset). Not worth it
    /// after a run that stored little.</summary>
    private void ReleaseDataBuffers()
    {
        BufferPool.Shared.Clear();
        if ((_session?.AddedBytes ?? 0) < 64L << 20) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        _events?.Verbose($"Released the file buffers in {clock.ElapsedMilliseconds} ms.");
    }

    public DestinationSummary Finish(FsEntry sourceRoot, bool completed, CancellationToken cancel)
    {
        // Every file waited for its own chunks, so nothing is in flight any more.
        _pipeline?.Dispose();
        _pipeline = null;
        ReleaseDataBuffers();
        var session = _session;
        if (session is null) return new DestinationSummary { Warnings = _warnings };
        _session = null;
        using (session)
        {
            if (session.Failed) return new DestinationSummary { Warnings = _warnings };
            if (!completed)
            {
                // Interrupted: keep the chunks stored so far (no snapshot), so the next run need not store them again.
                if (session.AddedChunks > 0)
                {
                    try { Guard(() => session.Commit(_ => { })); }
                    catch (DestinationFailedException ex) { _warnings.Add("The chunks stored before the interruption were not kept: " + ex.Message); }
                }
                return new DestinationSummary { Warnings = _warnings };
            }
            var stats = new SnapshotStats();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var root = BuildFolder(sourceRoot, _existingRoot, "", "", stats, session, cancel);
            _events?.Verbose($"Wrote the snapshot's folder listings in {clock.ElapsedMilliseconds} ms.");
            clock.Restart();
            var snapshot = new SnapshotRecord
            {
                Id = NewSnapshotId(_image!.Manifest),
                TimeNs = _startedNs,
                OffsetMinutes = (short)TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalMinutes,
                Kind = SnapshotKind.Files,
                Source = _request.Source,
                Host = Environment.MachineName,
                User = Environment.UserName,
                Parent = _parent?.Id ?? 0,
                Root = root,
                Files = stats.Files,
                Folders = stats.Folders,
                Links = stats.Links,
                Bytes = stats.Bytes,
                AddedBytes = session.AddedBytes,
                AddedChunks = session.AddedChunks,
            };
            Guard(() => session.Commit(m => m.Snapshots.Add(snapshot)));
            _events?.Verbose($"Committed snapshot {snapshot.IdText} in {clock.ElapsedMilliseconds} ms.");
            return new DestinationSummary { SnapshotId = snapshot.IdText, Warnings = _warnings };
        }
    }

    internal static ulong NewSnapshotId(Manifest manifest)
    {
        while (true)
        {
            ulong id = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            if (id != 0 && manifest.Snapshots.All(s => s.Id != id)) return id;
        }
    }

    private sealed class SnapshotStats
    {
        public long Files, Folders, Links, Bytes;
        public readonly Dictionary<(ulong, ulong), FileContent> Groups = new();
    }

    private TreeNode BuildFolder(FsEntry source, FsEntry? existing, string name, string rel, SnapshotStats stats, ImageSession session, CancellationToken cancel)
    {
        GarbagePacer.Tick();
        cancel.ThrowIfCancellationRequested();
        WithXattrs(source, rel, existing?.Origin as TreeNode);
        if (source.Unreadable || source.Children is null)
        {
            // An unreadable source folder keeps what the last snapshot had there.
            var old = existing?.Origin is TreeNode { Type: ItemType.Directory } n ? n.Subtree : default;
            if (old.IsZero) old = StoreTree(new List<TreeNode>(), session);
            return TreeNode.From(source, name, null, old, false);
        }
        // Both sides are sorted by ordinal name (the scan sorts, LoadFolder sorts): walk them together.
        var previous = existing?.Children;
        int o = 0, reused = 0;
        var nodes = new List<TreeNode>(source.Children.Count);
        foreach (var child in source.Children)
        {
            while (previous is not null && o < previous.Count && string.CompareOrdinal(previous[o].Name, child.Name) < 0) o++;
            FsEntry? before = previous is not null && o < previous.Count && previous[o].Name == child.Name ? previous[o] : null;
            string childRel = rel.Length == 0 ? child.Name : rel + "/" + child.Name;
            TreeNode? node = null;
            switch (child.Kind)
            {
                case ItemType.Directory:
                    stats.Folders++;
                    node = BuildFolder(child, before?.Kind == ItemType.Directory ? before : null, child.Name, childRel, stats, session, cancel);
                    break;
                case ItemType.File:
                    node = FileNode(child, childRel, before, stats);
                    break;
                case ItemType.SymbolicLink:
                    stats.Links++;
                    node = before?.Origin is TreeNode oldLink && SameAs(child, oldLink, false) ? oldLink : TreeNode.From(child, child.Name, null, default, false);
                    break;
            }
            if (node is null) continue;
            nodes.Add(node);
            if (ReferenceEquals(node, before?.Origin)) reused++;
        }
        // A folder whose every entry is the parent's, with none added or dropped, has the parent's
        // listing: its bytes would be the same, so they are neither encoded nor hashed again.
        var oldFolder = existing?.Origin as TreeNode;
        bool unchanged = oldFolder is { Type: ItemType.Directory } && previous is not null && reused == nodes.Count && reused == previous.Count && !IsPartial(existing!);
        var subtree = unchanged ? oldFolder!.Subtree : StoreTree(nodes, session);
        return oldFolder is not null && subtree == oldFolder.Subtree && SameAs(source, oldFolder, false) ? oldFolder : TreeNode.From(source, name, null, subtree, false);
    }

    /// <summary>True when a node made from <paramref name="s"/> (with the same content or subtree)
    /// would encode to the bytes of <paramref name="old"/>: every field a tree entry stores is equal.</summary>
    private static bool SameAs(FsEntry s, TreeNode old, bool linkKey) =>
        old.Type == s.Kind && old.Mode == (s.Mode & 0xFFF) && old.Uid == s.Uid && old.Gid == s.Gid && old.MTimeNs == s.MTimeNs
        && old.Attributes == s.Attributes && old.Size == (s.Kind == ItemType.File ? s.Size : 0)
        && old.HasLinkKey == linkKey && (!linkKey || (old.LinkDevice == s.Device && old.LinkInode == s.Inode))
        && XattrSet.AreEqual(s.Kind == ItemType.SymbolicLink ? null : s.Xattrs, old.Xattrs)
        && (s.Kind != ItemType.SymbolicLink || string.Equals(old.LinkTarget, s.LinkTarget ?? "", StringComparison.Ordinal))
        && string.Equals(old.Name, s.Name, StringComparison.Ordinal);

    /// <summary>Folders of the parent snapshot whose listing was not loaded whole (entries excluded by
    /// the filters, or a damaged listing): their old listing is never reused as it is.</summary>
    private readonly HashSet<FsEntry> _partial = new(ReferenceEqualityComparer.Instance);

    private bool IsPartial(FsEntry folder)
    {
        lock (_partial) return _partial.Count > 0 && _partial.Contains(folder);
    }

    /// <summary>Extended attributes are read where needed (the scan does not read them): a snapshot keeps
    /// them all. Those of an item unchanged since before the parent's run are the parent's (see
    /// <see cref="XattrsUnchangedBeforeNs"/>).</summary>
    private FsEntry WithXattrs(FsEntry entry, string rel, TreeNode? old)
    {
        if (entry.Kind is not (ItemType.File or ItemType.Directory) || entry.Xattrs is not null) return entry;
        entry.Xattrs = old is not null && old.Type == entry.Kind && entry.CTimeNs < _xattrsUnchangedBeforeNs
            ? old.Xattrs ?? XattrSet.Empty
            : _fs.ReadXattrs(rel.Length == 0 ? _request.Source : _request.Source + "/" + rel);
        return entry;
    }

    private ChunkId StoreTree(List<TreeNode> nodes, ImageSession session) =>
        Guard(() => session.StoreMetadata(BlobKind.Tree, TreeCodec.EncodeTree(nodes, new ByteWriter(4096))));

    /// <summary>The node of a source file in the new snapshot: what this run stored, the last
    /// snapshot's chunks for an unchanged file, or (when storing failed) the old version as it was.</summary>
    private TreeNode? FileNode(FsEntry s, string rel, FsEntry? before, SnapshotStats stats)
    {
        var kind = _steps.TryGetValue(s, out var step) ? step.Kind : StepKind.Keep;
        bool linkKey = s.LinkCount > 1;
        TreeNode? old = (step?.Existing ?? before)?.Origin is TreeNode { Type: ItemType.File } n ? n : null;
        WithXattrs(s, rel, old);
        TreeNode? node = kind switch
        {
            StepKind.CopyFile or StepKind.UpdateFile => _stored.GetValueOrDefault(s) ?? old,
            StepKind.MakeHardLink => stats.Groups.TryGetValue((s.Device, s.Inode), out var shared)
                ? TreeNode.From(s, s.Name, shared, default, linkKey) : old,
            StepKind.Keep when old is not null && SameAs(s, old, linkKey) => old,
            StepKind.Keep or StepKind.UpdateMetadata when old is not null => TreeNode.From(s, s.Name, old.Content, default, linkKey),
            StepKind.SkipSpecial or StepKind.Fail => null,
            _ => old,
        };
        if (node is null) return null;
        if (node.HasLinkKey && node.Content is not null) stats.Groups.TryAdd((node.LinkDevice, node.LinkInode), node.Content);
        stats.Files++;
        stats.Bytes += node.Size;
        return node;
    }

    public void Dispose()
    {
        _pipeline?.Dispose();
        _session?.Dispose();
        _image?.Dispose();
        _cpu.Dispose();
    }
}
