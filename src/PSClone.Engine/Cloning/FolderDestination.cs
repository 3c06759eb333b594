using System.Collections.Concurrent;
using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Cloning;

/// <summary>A folder as clone destination: atomic replacement (temp name, rename when complete),
/// the SafetyNet for whatever a change displaces, the identity marker and the run lock.</summary>
internal sealed class FolderDestination : ICloneDestination
{
    private readonly IFileSystem _fs;
    private readonly CloneRequest _request;
    private readonly string _root;
    private readonly SafetyNetStore _safetyNet;
    private readonly ConcurrentDictionary<string, byte> _createdFolders = new(StringComparer.Ordinal);
    private readonly object _roomGate = new();
    private DestinationLock? _lock;
    private SafetyNetRunWriter? _writer;
    private ScanResult? _scan;
    private DateTimeOffset _started;
    private int _loss;
    private int _pruned;
    private long _minFree;
    private long? _adjustedMinFree;
    private int _roomGeneration;
    private readonly List<string> _finishWarnings = new();

    private readonly string _filterSignature;
    private readonly TimeSpan _clockMargin;
    private readonly TimeSpan _endMargin;
    private ClonePlan? _plan;

    /// <param name="clockMargin">How far before the last complete run's start a source change may
    /// carry a status-change time (clock skew to a file server, coarse time stamps).</param>
    /// <param name="endMargin">The same for destination items and the run's end; at least the
    /// destination's time resolution is added. Items this run wrote have times before its end, so
    /// this margin stays small on a local disk, where the kernel's clock stamps the times.</param>
    public FolderDestination(IFileSystem fs, CloneRequest request, string root, DestinationMarker? marker, string filterSignature,
        TimeSpan clockMargin, TimeSpan endMargin)
    {
        _clockMargin = clockMargin;
        _endMargin = endMargin;
        _filterSignature = filterSignature;
        _fs = fs;
        _request = request;
        _root = root;
        Marker = marker;
        _safetyNet = new SafetyNetStore(root, fs);
        _minFree = request.SafetyNetLimits.MinFreeBytes ?? 0;
        Traits = DestinationTraits.For(fs, marker);
    }

    /// <summary>The wrong-destination guard refuses a destination without a marker when at least this
    /// many of its items are absent from the source ...</summary>
    internal const int UnrelatedItemsMinimum = 5;

    /// <summary>... and they are more than this share of the destination's items.</summary>
    internal const double UnrelatedItemsShare = 0.2;

    public string Display => _root;
    public bool IsKnown => Marker is not null;
    public DestinationTraits Traits { get; private set; }
    public DestinationMarker? Marker { get; }
    public MetadataLoss Loss => (MetadataLoss)Volatile.Read(ref _loss);
    public IReadOnlyList<string> ReservedItemsInSource { get; set; } = Array.Empty<string>();

    private void AddLoss(MetadataLoss loss)
    {
        if (loss == MetadataLoss.None) return;
        int current, updated;
        do
        {
            current = Volatile.Read(ref _loss);
            updated = current | (int)loss;
        } while (current != updated && Interlocked.CompareExchange(ref _loss, updated, current) != current);
    }

    /// <summary>For a real run: creates the destination folder if needed and takes the run lock.</summary>
    public void Open(DateTimeOffset started)
    {
        _started = started;
        if (_fs.TryGetEntry(_root, false) is null) _fs.CreateDirectory(_root);
        _lock = DestinationLock.Acquire(_root);
        if (Marker is null) Traits = Traits with { TimeResolutionNs = ProbeTimeResolution() };
    }

    /// <summary>Sets a sub-second time on a scratch file and reads it back: FAT keeps 2 s, others 1 ns to 1 s.</summary>
    private long ProbeTimeResolution()
    {
        string probe = _root + "/" + ReservedNames.NewTempName();
        try
        {
            File.WriteAllBytes(probe, Array.Empty<byte>());
            const long wanted = 1_700_000_001_123_456_789L;
            _fs.ApplyMetadata(probe, new FsEntry("probe", ItemType.File) { MTimeNs = wanted }, MetadataParts.Times);
            long got = _fs.TryGetEntry(probe, false)?.MTimeNs ?? wanted;
            long diff = Math.Abs(wanted - got);
            return diff == 0 ? 1 : diff < 1_000 ? 1_000 : diff < 1_000_000 ? 1_000_000 : diff < 1_000_000_000 ? 1_000_000_000 : 2_000_000_000;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 1;
        }
        finally
        {
            try { File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public void CheckIdentity(ClonePlan plan)
    {
        if (Marker is not null)
        {
            if (!ClonePaths.SamePath(Marker.Source, _request.Source))
                throw new PSCloneException("DestinationBelongsToOtherSource", FailureKind.InvalidOperation,
                    $"The destination '{_root}' is a clone of '{Marker.Source}', not of '{_request.Source}'. " +
                    "Check that the right disk is connected; use -Force (--force) to clone onto it anyway.", _root);
            return;
        }
        long unrelated = plan.DestinationItems - plan.MatchedItems;
        if (unrelated >= UnrelatedItemsMinimum && unrelated > plan.DestinationItems * UnrelatedItemsShare)
            throw new PSCloneException("DestinationNotAClone", FailureKind.InvalidOperation,
                $"The destination '{_root}' is not a PSClone destination and {unrelated} of its {plan.DestinationItems} items " +
                "are not in the source. Check that this is the right disk or folder; use -Force (--force) to clone onto it anyway.", _root);
    }

    public FsEntry? ReadExisting(ScanOptions options, Action<string, string, Exception> onError, CancellationToken cancel)
    {
        var rootEntry = _fs.TryGetEntry(_root, false);
        if (rootEntry is null) return null;
        _scan = TreeScanner.Scan(_fs, _root, rootEntry, options, onError, cancel);
        return _scan.Root;
    }

    public long ExistingCount => _scan?.Count ?? 0;

    public (long Source, long Destination) XattrsUnchangedBeforeNs =>
        Marker is { LastCompleteRun: { } start, LastCompleteRunEnd: { } end } m && m.FilterSignature == _filterSignature
            && ClonePaths.SamePath(m.Source, _request.Source)
            // To the 100 ns the marker keeps, not rounded to milliseconds: an item stamped in the
            // millisecond the run ended is still before its end.
            ? (UnixTime.Ns(start - _clockMargin), UnixTime.Ns(end - _endMargin - TimeSpan.FromTicks(Traits.TimeResolutionNs / 100)))
            : (long.MinValue, long.MinValue);

    /// <summary>Folders whose entries or own metadata this run changes: only these are read again
    /// for the final folder pass; the others are known from the scan.</summary>
    private readonly HashSet<string> _touchedFolders = new(StringComparer.Ordinal);

    public void Prepare(ClonePlan plan, IEngineEvents events, CancellationToken cancel)
    {
        _plan = plan;
        foreach (var step in plan.Steps)
        {
            if (step.Kind == StepKind.Keep) continue;
            _touchedFolders.Add(step.RelativePath);
            int slash = step.RelativePath.LastIndexOf('/');
            if (slash > 0) _touchedFolders.Add(step.RelativePath[..slash]);
        }
        foreach (var temp in _scan?.TempFiles ?? new List<string>())
        {
            try
            {
                _fs.DeleteFile(temp);
                string folder = Path.GetDirectoryName(temp)!;
                if (folder.Length > _root.Length) _touchedFolders.Add(folder[(_root.Length + 1)..]);
                events.Verbose($"Removed '{temp}', left by an interrupted run.");
            }
            catch (PlatformIOException ex)
            {
                events.Warning($"Could not remove '{temp}', left by an interrupted run: {ex.Message}");
            }
        }
        if (plan.ChangeCount > 0) _lock?.RecordHolder(_request.Source);
        WriteMarker(Marker?.LastCompleteRun, Marker?.LastCompleteRunEnd);
        var pruned = _safetyNet.Prune(_request.SafetyNetLimits, keep: null, cancel);
        _pruned += pruned.Count;
        foreach (var run in pruned)
            events.Verbose($"Pruned SafetyNet run '{run.Name}' ({ByteSize.Format(run.Size)}).");
        _writer = _safetyNet.BeginRun(_started);
    }

    /// <summary>Writes the identity marker when it would change (so a run with nothing to do writes nothing).</summary>
    private void WriteMarker(DateTimeOffset? lastCompleteRun, DateTimeOffset? lastCompleteRunEnd)
    {
        var wanted = new DestinationMarker
        {
            Source = _request.Source,
            SourceVolumeId = _fs.GetVolumeId(_request.Source),
            Task = _request.TaskName ?? Marker?.Task,
            Created = Marker?.Created ?? DateTimeOffset.Now,
            TimeResolutionNs = Traits.TimeResolutionNs,
            LastCompleteRun = lastCompleteRun,
            LastCompleteRunEnd = lastCompleteRunEnd,
            FilterSignature = lastCompleteRun is null ? Marker?.FilterSignature : _filterSignature,
        };
        if (Marker is not null && Marker == wanted with { Format = Marker.Format }) return;
        if (_written == wanted) return;
        wanted.Write(_root);
        _written = wanted;
    }

    private DestinationMarker? _written;

    private string Full(string relativePath) => _root + "/" + relativePath;

    public void Apply(PlanStep step, CancellationToken cancel)
    {
        string target = Full(step.RelativePath);
        switch (step.Kind)
        {
            case StepKind.MakeDirectory:
                WithWritableParent(target, () =>
                {
                    try
                    {
                        _fs.CreateDirectory(target);
                    }
                    catch (PlatformIOException ex) when (ex.Failure == IOFailure.AlreadyExists
                        && _fs.TryGetEntry(target, false) is { Kind: ItemType.Directory })
                    {
                        // Made by an earlier, interrupted run.
                    }
                });
                _createdFolders.TryAdd(step.RelativePath, 0);
                break;
            case StepKind.CopyFile when step.Existing is null && !_noTmpFile && CopyNew(step, target, cancel):
                break;
            case StepKind.CopyFile:
            case StepKind.UpdateFile:
                PutInPlace(step, target, temp =>
                {
                    var outcome = _fs.CopyFile(_request.Source + "/" + step.RelativePath, temp, step.Source!, _request.Durable, cancel);
                    AddLoss(outcome.Loss);
                });
                break;
            case StepKind.MakeSymlink:
            case StepKind.UpdateSymlink:
                PutInPlace(step, target, temp =>
                {
                    _fs.CreateSymbolicLink(temp, step.Source!.LinkTarget!);
                    AddLoss(_fs.ApplyMetadata(temp, step.Source, (_fs.CanPreserveOwner ? MetadataParts.Owner : 0) | MetadataParts.Times));
                });
                break;
            case StepKind.MakeHardLink:
                PutInPlace(step, target, temp => _fs.CreateHardLink(Full(step.Group!.LeaderPath), temp));
                break;
            case StepKind.UpdateMetadata:
                var parts = step.Metadata;
                if (step.Source!.Kind == ItemType.Directory) parts &= ~MetadataParts.Times; // stamped after the children
                AddLoss(_fs.ApplyMetadata(target, step.Source, parts));
                break;
            case StepKind.Remove:
                WithWritableParent(target, () => Displace(step.RelativePath, step.Existing!, step.OldDisposition, step.Why, cancel));
                break;
        }
    }

    private volatile bool _noTmpFile;

    /// <summary>A new file straight under its final name, given only once complete (see
    /// <see cref="IFileSystem.TryCopyFileNew"/>). False when the file system cannot: the caller then
    /// uses a temp name, as it does when something appeared under the name since the scan.</summary>
    private bool CopyNew(PlanStep step, string target, CancellationToken cancel)
    {
        try
        {
            bool done = false;
            WithWritableParent(target, () =>
            {
                done = _fs.TryCopyFileNew(_request.Source + "/" + step.RelativePath, target, step.Source!, _request.Durable, cancel, out var outcome);
                if (done) AddLoss(outcome.Loss);
            });
            if (!done) _noTmpFile = true;
            else if (_request.Durable) _fs.FlushDirectory(Path.GetDirectoryName(target)!);
            return done;
        }
        catch (PlatformIOException ex) when (ex.Failure == IOFailure.AlreadyExists)
        {
            return false;
        }
    }

    /// <summary>Makes the new item under a temp name beside its final name, moves the old item out
    /// of the way (to the SafetyNet when it is archived), then renames the new one into place.</summary>
    private void PutInPlace(PlanStep step, string target, Action<string> make)
    {
        string folder = Path.GetDirectoryName(target)!;
        string temp = folder + "/" + ReservedNames.NewTempName();
        WithWritableParent(target, () => make(temp));
        try
        {
            if (step.Existing is not null && step.OldDisposition == Disposition.Archive)
                _writer!.Archive(step.RelativePath, step.Existing, SafetyNetReason.Modified);
            _fs.Rename(temp, target);
            if (_request.Durable) _fs.FlushDirectory(folder);
        }
        catch
        {
            try { _fs.DeleteFile(temp); } catch (PlatformIOException) { }
            throw;
        }
    }

    private void Displace(string relativePath, FsEntry existing, Disposition disposition, Displacement why, CancellationToken cancel)
    {
        if (disposition == Disposition.Archive)
            _writer!.Archive(relativePath, existing, why == Displacement.Deleted ? SafetyNetReason.Deleted : SafetyNetReason.Modified);
        else if (disposition == Disposition.Delete)
            FileSystemTrees.Delete(_fs, Full(relativePath), cancel);
    }

    /// <summary>A read-only folder refuses new entries even to its owner: open it up and try once more
    /// (the folder pass at the end puts its permissions back).</summary>
    private void WithWritableParent(string target, Action action)
    {
        try
        {
            action();
        }
        catch (PlatformIOException ex) when (ex.Failure == IOFailure.AccessDenied && !_fs.CanPreserveOwner)
        {
            string parent = Path.GetDirectoryName(target)!;
            var entry = _fs.TryGetEntry(parent, false);
            if (entry is null || (entry.Mode & 0x1C0) == 0x1C0) throw;
            _fs.ApplyMetadata(parent, new FsEntry(entry.Name, ItemType.Directory) { Mode = entry.Mode | 0x1C0 }, MetadataParts.Mode);
            action();
        }
    }

    public int RoomMade => Volatile.Read(ref _roomGeneration);

    public bool TryMakeRoom(PlanStep step, long bytesCopiedSoFar, int roomMadeBefore, IEngineEvents events, CancellationToken cancel)
    {
        if (!_request.AutoAdjust) return false;
        lock (_roomGate)
        {
            // Another worker made room since this step started: just try again.
            if (roomMadeBefore != _roomGeneration) return true;
            long raise = Math.Max(bytesCopiedSoFar, step.Bytes);
            _minFree += raise;
            _adjustedMinFree = _minFree;
            var limits = new SafetyNetLimits { MinFreeBytes = _minFree };
            var pruned = _safetyNet.Prune(limits, keep: _writer?.RunName, cancel);
            _pruned += pruned.Count;
            if (pruned.Count == 0) return false;
            events.Warning($"The destination filled up: raised the SafetyNet free-space limit to {ByteSize.Format(_minFree)} " +
                $"and pruned {pruned.Count} older SafetyNet run(s) ({ByteSize.Format(pruned.Sum(p => p.Size))}). Going on.");
            _roomGeneration++;
            return true;
        }
    }

    public long AvailableBytes => _fs.GetAvailableBytes(_root);

    public Stream OpenRead(string relativePath) => _fs.OpenRead(Full(relativePath));

    public DestinationSummary Finish(FsEntry sourceRoot, bool completed, CancellationToken cancel)
    {
        _writer?.Dispose();
        StampFolders(sourceRoot, _scan?.Root, "", cancel);
        // A complete run that changed something moves the "compared up to" time forward; a run with
        // nothing to do leaves the marker (and everything else) untouched. The end is taken after the
        // folder pass, so the folders it stamped count as unchanged next time; writing the marker
        // changes the root folder, which is stamped again.
        if (completed && _plan is { } plan && (plan.ChangeCount > 0 || Marker?.LastCompleteRun is null))
        {
            WriteMarker(_started, DateTimeOffset.Now);
            RestampRootTime(sourceRoot);
        }
        // 100 ns (NTFS, .NET) loses nothing in practice; milliseconds or seconds (FAT, HFS+, ext3) do.
        if (Traits.TimeResolutionNs > 1_000) AddLoss(MetadataLoss.Timestamps);
        return new DestinationSummary
        {
            Warnings = _finishWarnings,
            SafetyNetFolder = _writer?.RunPath,
            ItemsArchived = _writer?.ItemsArchived ?? 0,
            SafetyNetRunsPruned = _pruned,
            AdjustedMinFreeBytes = _adjustedMinFree,
        };
    }

    /// <summary>Folder metadata last, deepest first: adding or removing children changes a folder's
    /// time, and a read-only folder must stay writable until its children are in.</summary>
    private void StampFolders(FsEntry source, FsEntry? scanned, string relative, CancellationToken cancel)
    {
        if (source.Unreadable) return;
        if (source.Children is not null)
        {
            foreach (var child in source.Children)
            {
                if (child.Kind == ItemType.Directory)
                    StampFolders(child, ChildNamed(scanned, child.Name), relative.Length == 0 ? child.Name : relative + "/" + child.Name, cancel);
            }
        }
        cancel.ThrowIfCancellationRequested();
        StampFolder(source, scanned, relative);
    }

    private void StampFolder(FsEntry source, FsEntry? scanned, string relative)
    {
        string path = relative.Length == 0 ? _root : Full(relative);
        bool created = relative.Length > 0 && _createdFolders.ContainsKey(relative);
        bool isRoot = relative.Length == 0;
        // The root changes with the lock and marker files; other untouched folders are as scanned.
        var current = !isRoot && !created && !_touchedFolders.Contains(relative) && scanned is { Kind: ItemType.Directory }
            ? scanned
            : _fs.TryGetEntry(path, withXattrs: false);
        if (current is not { Kind: ItemType.Directory }) return;
        string sourcePath = relative.Length == 0 ? _request.Source : _request.Source + "/" + relative;
        var parts = MetadataParts.None;
        if (created) parts = MetadataParts.Mode | MetadataParts.Owner | MetadataParts.Xattrs | MetadataParts.Attributes | MetadataParts.Times;
        if (Traits.ComparePermissions && current.Mode != source.Mode) parts |= MetadataParts.Mode;
        if (Traits.CompareAttributes && current.Attributes != source.Attributes) parts |= MetadataParts.Attributes;
        if (current.MTimeNs != source.MTimeNs && Math.Abs(current.MTimeNs - source.MTimeNs) >= Traits.TimeResolutionNs) parts |= MetadataParts.Times;
        if (isRoot && Traits.CompareOwner && (current.Uid != source.Uid || current.Gid != source.Gid)) parts |= MetadataParts.Owner;
        if (isRoot && Traits.CompareXattrs && (source.CTimeNs >= XattrsUnchangedBeforeNs.Source || current.CTimeNs >= XattrsUnchangedBeforeNs.Destination)
            && !XattrSet.AreEqual(_fs.ReadXattrs(path), source.Xattrs ??= _fs.ReadXattrs(sourcePath)))
            parts |= MetadataParts.Xattrs;
        if (!Traits.CompareOwner) parts &= ~MetadataParts.Owner;
        if (!Traits.CompareXattrs) parts &= ~MetadataParts.Xattrs;
        if (parts == MetadataParts.None) return;
        if ((parts & MetadataParts.Xattrs) != 0) source.Xattrs ??= _fs.ReadXattrs(sourcePath);
        try
        {
            AddLoss(_fs.ApplyMetadata(path, source, parts));
        }
        catch (PlatformIOException ex)
        {
            _finishWarnings.Add($"Could not set the metadata of folder '{path}': {ex.Message}");
        }
    }

    /// <summary>Writing the marker changed the root folder's modified time: set it back.</summary>
    private void RestampRootTime(FsEntry source)
    {
        var current = _fs.TryGetEntry(_root, withXattrs: false);
        if (current is not { Kind: ItemType.Directory } || Math.Abs(current.MTimeNs - source.MTimeNs) < Math.Max(1, Traits.TimeResolutionNs)) return;
        try
        {
            AddLoss(_fs.ApplyMetadata(_root, source, MetadataParts.Times));
        }
        catch (PlatformIOException ex)
        {
            _finishWarnings.Add($"Could not set the metadata of folder '{_root}': {ex.Message}");
        }
    }

    private static FsEntry? ChildNamed(FsEntry? folder, string name)
    {
        if (folder?.Children is not { } children) return null;
        int lo = 0, hi = children.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int cmp = string.CompareOrdinal(children[mid].Name, name);
            if (cmp == 0) return children[mid];
            if (cmp < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _lock?.Dispose();
    }
}
