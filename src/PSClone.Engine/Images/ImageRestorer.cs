using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using PSClone.Cloning;
using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Images;

/// <summary>Restores (part of) a snapshot into a folder: folders first, then files in parallel
/// (large files split so several workers decode them), then links, then folder metadata deepest
/// first. A file gets its name only when complete: it is written unnamed (O_TMPFILE) where the file
/// system can, else under a temp name that is renamed into place; holes stay holes. A file
/// with a damaged chunk fails alone; everything else is restored.</summary>
internal sealed class ImageRestorer
{
    private const long PieceBytes = 16 << 20;

    private readonly IFileSystem _fs;
    private readonly BackupImage _image;
    private readonly ImageRestoreRequest _request;
    private readonly IEngineEvents _events;
    private readonly string _target;
    private readonly List<Func<string, bool>> _patterns;
    private readonly List<(string Rel, TreeNode Node, bool Created)> _folders = new();
    private readonly List<(string Rel, TreeNode Node)> _files = new();
    private readonly List<(string Rel, TreeNode Node)> _links = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private long _restored, _bytes, _failed;
    private int _loss;

    public ImageRestorer(IFileSystem fs, BackupImage image, ImageRestoreRequest request, IEngineEvents events)
    {
        _fs = fs;
        _image = image;
        _request = request;
        _events = events;
        _target = Path.GetFullPath(request.Target).TrimEnd('/');
        if (_target.Length == 0) _target = "/";
        _patterns = request.Paths.Select(PathPattern.Create).ToList();
        if (request.ExactPaths.Count > 0)
        {
            var exact = request.ExactPaths.Select(p => p.Trim('/')).ToHashSet(StringComparer.Ordinal);
            _patterns.Add(exact.Contains);
        }
    }

    public ImageRestoreResult Run(SnapshotRecord snapshot, CancellationToken cancel)
    {
        var started = DateTimeOffset.Now;
        if (snapshot.Kind != SnapshotKind.Files)
            throw new PSCloneException("SnapshotIsBlockLevel", FailureKind.InvalidOperation,
                $"Snapshot {snapshot.IdText} is a block-level backup of '{snapshot.Source}'. Restore it with 'psclone image restore-device'.", snapshot.IdText);
        var targetEntry = _fs.TryGetEntry(_target, false);
        if (targetEntry is not null && targetEntry.Kind != ItemType.Directory)
            throw new PSCloneException("RestoreTargetNotFolder", FailureKind.InvalidArgument,
                $"The restore target '{_target}' is not a folder. Give a folder (it is created if missing).", _target);
        string? parent = Path.GetDirectoryName(_target);
        if (targetEntry is null && (parent is null || !Directory.Exists(parent)))
            throw new PSCloneException("RestoreTargetParentNotFound", FailureKind.ObjectNotFound,
                $"The folder that would hold the restore target, '{parent}', does not exist.", _target);
        bool targetCreated = targetEntry is null;
        if (targetCreated) _fs.CreateDirectory(_target);

        Collect(snapshot.Root, "", selected: _patterns.Count == 0, cancel);
        if (_patterns.Count > 0 && _files.Count + _links.Count + _folders.Count == 0)
            throw new PSCloneException("RestorePathNotFound", FailureKind.ObjectNotFound,
                $"Nothing in snapshot {snapshot.IdText} of '{_image.Path}' matches {string.Join(", ", _request.Paths.Concat(_request.ExactPaths).Select(p => $"'{p}'"))}. " +
                $"List its items with 'psclone image ls {_image.Path} --snapshot {snapshot.IdText} --recurse'.", _image.Path);

        var progress = new ProgressTracker(_events, $"Restoring {_image.Path} ({snapshot.IdText}) to {_target}",
            _files.Count + _links.Count, _files.Sum(f => f.Node.Size));
        try
        {
            MakeFolders(cancel);
            RestoreFiles(progress, cancel);
            MakeLinks(progress, cancel);
            StampFolders(snapshot.Root, targetCreated || _patterns.Count == 0, cancel);
        }
        finally
        {
            progress.Complete();
        }
        var errors = _errors.ToArray();
        var loss = (MetadataLoss)_loss;
        return new ImageRestoreResult
        {
            Image = _image.Path,
            SnapshotId = snapshot.IdText,
            Target = _target,
            Status = _failed > 0 ? CloneStatus.CompletedWithErrors : loss != MetadataLoss.None ? CloneStatus.CompletedWithWarnings : CloneStatus.Success,
            StartTime = started,
            EndTime = DateTimeOffset.Now,
            ItemsRestored = _restored,
            BytesRestored = _bytes,
            ItemsFailed = _failed,
            ErrorMessages = errors,
            MetadataNotPreserved = Enum.GetValues<MetadataLoss>().Where(f => f != MetadataLoss.None && loss.HasFlag(f)).Select(f => f.ToString()).ToArray(),
        };
    }

    private bool Matches(string rel) => _patterns.Any(p => p(rel));

    /// <summary>Walks the snapshot; an item is restored when it or a folder above it matches.</summary>
    private bool Collect(TreeNode folder, string prefix, bool selected, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        List<TreeNode> children;
        try
        {
            children = _image.ReadTree(folder.Subtree);
        }
        catch (ImageFormatException ex)
        {
            Fail(prefix.Length == 0 ? "/" : prefix.TrimEnd('/'), "RestoreFolderDamaged",
                $"The listing of folder '{(prefix.Length == 0 ? "/" : prefix.TrimEnd('/'))}' in the image is damaged ({ex.Message}); nothing in it can be restored.", ex);
            return selected;
        }
        bool any = false;
        int folderIndex = -1;
        if (prefix.Length > 0)
        {
            folderIndex = _folders.Count;
            _folders.Add((prefix.TrimEnd('/'), folder, false));
        }
        foreach (var child in children)
        {
            string rel = prefix + child.Name;
            bool pick = selected || Matches(rel);
            switch (child.Type)
            {
                case ItemType.Directory:
                    any |= Collect(child, rel + "/", pick, cancel);
                    break;
                case ItemType.File when pick:
                    _files.Add((rel, child));
                    any = true;
                    break;
                case ItemType.SymbolicLink when pick:
                    _links.Add((rel, child));
                    any = true;
                    break;
            }
        }
        any |= selected;
        if (folderIndex >= 0 && !any)
        {
            // Nothing selected inside: the folder is not restored (and so is nothing that followed it).
            _folders.RemoveRange(folderIndex, _folders.Count - folderIndex);
        }
        return any;
    }

    private string Full(string rel) => _target == "/" ? "/" + rel : _target + "/" + rel;

    private void Fail(string rel, string id, string message, Exception? ex)
    {
        Interlocked.Increment(ref _failed);
        _errors.Enqueue(message);
        _events.Error(new EngineError(id, id == "RestoreTargetExists" ? FailureKind.ResourceExists : FailureKind.WriteError, message, rel, ex));
    }

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

    private readonly HashSet<string> _failedFolders = new(StringComparer.Ordinal);

    private void MakeFolders(CancellationToken cancel)
    {
        for (int i = 0; i < _folders.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var (rel, node, _) = _folders[i];
            string path = Full(rel);
            var existing = _fs.TryGetEntry(path, false);
            if (existing is { Kind: ItemType.Directory }) continue;
            try
            {
                if (existing is not null)
                {
                    if (!_request.Force)
                    {
                        _failedFolders.Add(rel);
                        Fail(rel, "RestoreTargetExists", $"'{path}' exists and is not a folder; it was left alone (use --force to replace it).", null);
                        continue;
                    }
                    _fs.DeleteFile(path);
                }
                _fs.CreateDirectory(path);
                _folders[i] = (rel, node, true);
            }
            catch (PlatformIOException ex)
            {
                _failedFolders.Add(rel);
                Fail(rel, "RestoreItemFailed", $"The folder '{path}' could not be created: {ex.Message}", ex);
            }
        }
    }

    private bool InFailedFolder(string rel)
    {
        if (_failedFolders.Count == 0) return false;
        for (int slash = rel.LastIndexOf('/'); slash > 0; slash = rel.LastIndexOf('/', slash - 1))
        {
            if (_failedFolders.Contains(rel[..slash])) return true;
        }
        return false;
    }

    private sealed class FileJob(string rel, TreeNode node, Extent[] extents)
    {
        public readonly string Rel = rel;
        public readonly TreeNode Node = node;
        public readonly Extent[] Extents = extents;
        public readonly object Gate = new();
        public SafeFileHandle? Handle;
        public string? Temp; // null for an unnamed file (given its name when complete)
        public int Remaining;
        public Exception? Error;
        public bool Skip;
    }

    private void RestoreFiles(ProgressTracker progress, CancellationToken cancel)
    {
        // Hard-linked files: the first of each group is written, the others are linked to it.
        var leaders = new Dictionary<(ulong, ulong), string>();
        var pieces = new List<(FileJob Job, int From, int To, long Offset)>();
        var followers = new List<(string Rel, TreeNode Node, string Leader)>();
        foreach (var (rel, node) in _files.OrderByDescending(f => f.Node.Size))
        {
            if (InFailedFolder(rel)) continue;
            if (node.HasLinkKey)
            {
                if (leaders.TryGetValue((node.LinkDevice, node.LinkInode), out var leader))
                {
                    followers.Add((rel, node, leader));
                    continue;
                }
                leaders[(node.LinkDevice, node.LinkInode)] = rel;
            }
            Extent[] extents;
            try
            {
                extents = _image.ResolveExtents(node.Content!);
            }
            catch (ImageFormatException ex)
            {
                Fail(rel, "RestoreChunkDamaged", $"'{rel}' cannot be restored: its content list in the image is damaged ({ex.Message}).", ex);
                continue;
            }
            var job = new FileJob(rel, node, extents);
            int from = 0;
            long offset = 0, pieceStart = 0;
            var mine = new List<(FileJob, int, int, long)>();
            for (int i = 0; i < extents.Length; i++)
            {
                offset += extents[i].Length;
                if (offset - pieceStart >= PieceBytes || i == extents.Length - 1)
                {
                    mine.Add((job, from, i + 1, pieceStart));
                    from = i + 1;
                    pieceStart = offset;
                }
            }
            if (mine.Count == 0) mine.Add((job, 0, 0, 0));
            job.Remaining = mine.Count;
            pieces.AddRange(mine);
        }

        int workers = Math.Clamp(_request.Parallelism ?? Environment.ProcessorCount * 2, 1, 64);
        int next = -1;
        Exception? fatal = null;
        void Work()
        {
            while (fatal is null)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= pieces.Count) return;
                try
                {
                    cancel.ThrowIfCancellationRequested();
                    RunPiece(pieces[i].Job, pieces[i].From, pieces[i].To, pieces[i].Offset, progress);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref fatal, ex, null);
                }
            }
        }
        var threads = Enumerable.Range(0, Math.Min(workers, Math.Max(1, pieces.Count)))
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Task.WaitAll(threads);
        if (fatal is not null)
        {
            foreach (var job in pieces.Select(p => p.Job).Distinct()) CleanUp(job);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fatal);
        }

        foreach (var (rel, node, leader) in followers)
        {
            cancel.ThrowIfCancellationRequested();
            string path = Full(rel);
            if (!File.Exists(Full(leader)) || _errorsFor.ContainsKey(leader))
            {
                Fail(rel, "RestoreItemFailed", $"'{rel}' was not restored because '{leader}', the file it is hard-linked to, failed.", null);
                continue;
            }
            try
            {
                if (!MakeRoom(rel, path)) continue;
                _fs.CreateHardLink(Full(leader), path);
                Done(rel, node, progress);
            }
            catch (PlatformIOException ex)
            {
                Fail(rel, "RestoreItemFailed", $"'{rel}' could not be restored: {ex.Message}", ex);
            }
        }
    }

    private readonly ConcurrentDictionary<string, byte> _errorsFor = new(StringComparer.Ordinal);

    /// <summary>False (and an error) when something is at the path and --force was not given.</summary>
    private bool MakeRoom(string rel, string path)
    {
        var existing = _fs.TryGetEntry(path, false);
        if (existing is null) return true;
        if (!_request.Force)
        {
            _errorsFor.TryAdd(rel, 0);
            Fail(rel, "RestoreTargetExists", $"'{path}' already exists; it was left alone (use --force to replace it).", null);
            return false;
        }
        FileSystemTrees.Delete(_fs, path);
        return true;
    }

    private void RunPiece(FileJob job, int from, int to, long offset, ProgressTracker progress)
    {
        GarbagePacer.Tick();
        lock (job.Gate)
        {
            if (job.Skip) { Finish(job, progress); return; }
            if (job.Handle is null && job.Error is null)
            {
                string path = Full(job.Rel);
                if (_fs.TryGetEntry(path, false) is not null && !_request.Force)
                {
                    job.Skip = true;
                    _errorsFor.TryAdd(job.Rel, 0);
                    Fail(job.Rel, "RestoreTargetExists", $"'{path}' already exists; it was left alone (use --force to replace it).", null);
                    Finish(job, progress);
                    return;
                }
                progress.Start(job.Rel);
                try
                {
                    // Unnamed until complete where the file system can; --force replaces what is
                    // there, which a rename of a temp file does in one step.
                    job.Handle = _request.Force ? null : _fs.CreateUnnamed(path);
                    if (job.Handle is null)
                    {
                        job.Temp = Path.Combine(Path.GetDirectoryName(path)!, ReservedNames.NewTempName());
                        job.Handle = _fs.CreateNew(job.Temp);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    job.Error = ex;
                }
            }
        }
        if (job.Error is null && !job.Skip)
        {
            NativeBuffer? data = null;
            try
            {
                long at = offset;
                for (int i = from; i < to; i++)
                {
                    var e = job.Extents[i];
                    if (!e.Hole)
                    {
                        if (data is null || data.Length < e.Length)
                        {
                            if (data is not null) BufferPool.Shared.Return(data);
                            data = BufferPool.Shared.Rent((int)Math.Max(e.Length, 1 << 20));
                        }
                        int n = _image.ReadBlobInto(e.Id, BlobKind.Data, data.AsSpan(0, (int)e.Length));
                        if (n != e.Length) throw new ImageFormatException("a chunk has the wrong length");
                        RandomAccess.Write(job.Handle!, data.AsSpan(0, n), at);
                    }
                    at += e.Length;
                }
            }
            catch (Exception ex) when (ex is ImageFormatException or IOException or UnauthorizedAccessException)
            {
                lock (job.Gate) job.Error ??= ex;
            }
            finally
            {
                if (data is not null) BufferPool.Shared.Return(data);
            }
        }
        lock (job.Gate) Finish(job, progress);
    }

    /// <summary>Called under the job's lock by each finished piece; the last one completes the file.</summary>
    private void Finish(FileJob job, ProgressTracker progress)
    {
        if (--job.Remaining > 0) return;
        if (job.Skip) return;
        string path = Full(job.Rel);
        try
        {
            if (job.Error is not null) throw job.Error;
            RandomAccess.SetLength(job.Handle!, job.Node.Size);
            var entry = job.Node.ToFsEntry();
            var owner = OwnerPart(entry); // reports an owner that cannot be kept
            if (job.Temp is null)
            {
                AddLoss(_fs.NameNewFile(job.Handle!, path, entry));
                job.Handle!.Dispose();
                job.Handle = null;
            }
            else
            {
                job.Handle!.Dispose();
                job.Handle = null;
                AddLoss(_fs.ApplyMetadata(job.Temp, entry, MetadataParts.Mode | MetadataParts.Xattrs | owner));
                // Without --force the path was checked free when the file was started.
                if (_request.Force && _fs.TryGetEntry(path, false) is { Kind: ItemType.Directory }) FileSystemTrees.Delete(_fs, path);
                _fs.Rename(job.Temp, path);
                job.Temp = null;
                AddLoss(_fs.ApplyMetadata(path, entry, MetadataParts.Times));
            }
            Interlocked.Add(ref _bytes, job.Node.Size);
            Done(job.Rel, job.Node, progress);
        }
        catch (Exception ex) when (ex is ImageFormatException or IOException or UnauthorizedAccessException)
        {
            CleanUp(job);
            _errorsFor.TryAdd(job.Rel, 0);
            bool damaged = ex is ImageFormatException;
            Fail(job.Rel, damaged ? "RestoreChunkDamaged" : "RestoreItemFailed",
                damaged ? $"'{job.Rel}' cannot be restored: a chunk of it in the image is damaged ({ex.Message})."
                        : $"'{job.Rel}' could not be restored: {ex.Message}", ex);
            progress.Done(job.Node.Size);
        }
    }

    private void CleanUp(FileJob job)
    {
        job.Handle?.Dispose();
        job.Handle = null;
        if (job.Temp is not null)
        {
            try { File.Delete(job.Temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            job.Temp = null;
        }
    }

    private MetadataParts OwnerPart(FsEntry entry)
    {
        if (_fs.CanPreserveOwner) return MetadataParts.Owner;
        if (_fs.ProcessUid is uint uid && (entry.Uid != uid)) AddLoss(MetadataLoss.Owner);
        return MetadataParts.None;
    }

    private void Done(string rel, TreeNode node, ProgressTracker progress)
    {
        Interlocked.Increment(ref _restored);
        progress.Done(node.Type == ItemType.File ? node.Size : 0);
        if (_request.ReportItems)
            _events.Item(new CloneItemResult { Action = CloneAction.Copied, RelativePath = rel, ItemType = node.Type, Size = node.Size, Reason = "Restored" });
    }

    private void MakeLinks(ProgressTracker progress, CancellationToken cancel)
    {
        foreach (var (rel, node) in _links)
        {
            cancel.ThrowIfCancellationRequested();
            if (InFailedFolder(rel)) continue;
            string path = Full(rel);
            try
            {
                if (!MakeRoom(rel, path)) continue;
                _fs.CreateSymbolicLink(path, node.LinkTarget ?? "");
                var entry = node.ToFsEntry();
                AddLoss(_fs.ApplyMetadata(path, entry, MetadataParts.Times | OwnerPart(entry)));
                Done(rel, node, progress);
            }
            catch (PlatformIOException ex)
            {
                Fail(rel, "RestoreItemFailed", $"The link '{rel}' could not be restored: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Folder metadata last and deepest first, on folders this restore created (and the
    /// target itself when the whole snapshot was restored into it).</summary>
    private void StampFolders(TreeNode root, bool stampTarget, CancellationToken cancel)
    {
        foreach (var (rel, node, created) in _folders.OrderByDescending(f => f.Rel.Count(c => c == '/')))
        {
            cancel.ThrowIfCancellationRequested();
            if (!created) continue;
            Stamp(Full(rel), node);
        }
        if (stampTarget) Stamp(_target, root);
    }

    private void Stamp(string path, TreeNode node)
    {
        try
        {
            var entry = node.ToFsEntry();
            AddLoss(_fs.ApplyMetadata(path, entry, MetadataParts.Mode | MetadataParts.Xattrs | MetadataParts.Times | OwnerPart(entry)));
        }
        catch (PlatformIOException ex)
        {
            _events.Warning($"Could not set the metadata of folder '{path}': {ex.Message}");
        }
    }
}
