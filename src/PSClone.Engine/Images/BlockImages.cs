using Microsoft.Win32.SafeHandles;
using PSClone.Cloning;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>Block-level backups (format §10.5): a device or image file read in fixed, aligned
/// blocks (hashed, compressed and encrypted on every core); all-zero blocks become holes; the
/// snapshot's root is one file entry holding the device's content.</summary>
internal sealed class BlockImages
{
    private const int BatchBlocks = 16;

    private readonly IFileSystem _fs;
    private readonly IEngineEvents _events;

    public BlockImages(IFileSystem fs, IEngineEvents events)
    {
        _fs = fs;
        _events = events;
    }

    public BackupSnapshot Backup(BackupImage image, string device, CancellationToken cancel)
    {
        string source = Path.GetFullPath(device);
        var entry = _fs.TryGetEntry(source, false) ?? throw new PSCloneException("DeviceNotFound", FailureKind.ObjectNotFound,
            $"'{device}' does not exist. Name a block device (e.g. /dev/sdb) or an image file.", device);
        if (entry.Kind is not (ItemType.File or ItemType.BlockDevice))
            throw new PSCloneException("NotADevice", FailureKind.InvalidArgument,
                $"'{device}' is a {entry.Kind}, not a block device or a file. Back up folders with 'psclone clone'.", device);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("DeviceNotReadable", FailureKind.PermissionDenied,
                $"'{device}' cannot be read: {ex.Message}. Block devices need root (or membership of the 'disk' group).", device, ex);
        }
        using (handle)
        {
            long size = FileRegions.SizeBySeeking(handle);
            int block = image.Manifest.Config.BlockSize;
            using var session = new ImageSession(image);
            var extents = new List<Extent>();
            var progress = new ProgressTracker(_events, $"Backing up {source} to {image.Path}", 1, size);
            var buffer = new byte[(long)block * BatchBlocks];
            var ids = new ChunkId?[BatchBlocks];
            try
            {
                progress.Start(source);
                for (long at = 0; at < size;)
                {
                    cancel.ThrowIfCancellationRequested();
                    int want = (int)Math.Min(buffer.Length, size - at);
                    ReadFully(handle, buffer.AsSpan(0, want), at, source);
                    int blocks = (want + block - 1) / block;
                    Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, i =>
                    {
                        var span = buffer.AsSpan(i * block, Math.Min(block, want - i * block));
                        ids[i] = span.IndexOfAnyExcept((byte)0) < 0 ? null : session.StoreData(span);
                    });
                    for (int i = 0; i < blocks; i++)
                    {
                        long length = Math.Min(block, want - (long)i * block);
                        if (ids[i] is { } id) extents.Add(new Extent(length, false, id));
                        else if (extents.Count > 0 && extents[^1].Hole) extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
                        else extents.Add(new Extent(length, true, default));
                    }
                    at += want;
                    progress.Done(want);
                }
                var content = ContentLists.Make(session, extents);
                var root = new TreeNode
                {
                    Name = "",
                    Type = ItemType.File,
                    Mode = entry.Mode & 0xFFF,
                    Uid = entry.Uid,
                    Gid = entry.Gid,
                    MTimeNs = entry.MTimeNs,
                    Size = size,
                    Content = content,
                };
                var parent = image.Manifest.Snapshots.LastOrDefault(s => s.Kind == SnapshotKind.Block && s.Source == source);
                var snapshot = new SnapshotRecord
                {
                    Id = ImageDestination.NewSnapshotId(image.Manifest),
                    TimeNs = UnixTime.NowNs(),
                    OffsetMinutes = (short)TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalMinutes,
                    Kind = SnapshotKind.Block,
                    Source = source,
                    Host = Environment.MachineName,
                    User = Environment.UserName,
                    Parent = parent?.Id ?? 0,
                    Root = root,
                    Files = 1,
                    Bytes = size,
                    AddedBytes = session.AddedBytes,
                    AddedChunks = session.AddedChunks,
                };
                session.Commit(m => m.Snapshots.Add(snapshot));
                return snapshot.ToPublic(image.Path);
            }
            finally
            {
                progress.Complete();
            }
        }
    }

    private static void ReadFully(SafeFileHandle handle, Span<byte> into, long offset, string path)
    {
        int done = 0;
        while (done < into.Length)
        {
            int n = RandomAccess.Read(handle, into[done..], offset + done);
            if (n <= 0)
                throw new PSCloneException("DeviceChanged", FailureKind.ReadError, $"'{path}' became shorter while it was being read. Back it up when it is not in use.", path);
            done += n;
        }
    }

    /// <summary>Writes a block snapshot to a device or file of at least its size. A new file gets
    /// holes where the snapshot has them; an existing file or device gets zeros there.</summary>
    public ImageRestoreResult Restore(BackupImage image, SnapshotRecord snapshot, string target, bool force, CancellationToken cancel)
    {
        var started = DateTimeOffset.Now;
        if (snapshot.Kind != SnapshotKind.Block)
            throw new PSCloneException("SnapshotIsNotBlockLevel", FailureKind.InvalidOperation,
                $"Snapshot {snapshot.IdText} holds files, not a device. Restore it with 'psclone image restore'.", snapshot.IdText);
        string path = Path.GetFullPath(target);
        var entry = _fs.TryGetEntry(path, false);
        long size = snapshot.Root.Size;
        bool fresh = entry is null;
        if (entry is not null)
        {
            if (entry.Kind is not (ItemType.File or ItemType.BlockDevice))
                throw new PSCloneException("RestoreTargetNotDevice", FailureKind.InvalidArgument, $"'{target}' is a {entry.Kind}; restore a device to a block device or a file.", target);
            if (entry.Kind == ItemType.File && !force)
                throw new PSCloneException("RestoreTargetExists", FailureKind.ResourceExists,
                    $"'{target}' exists. Use --force (-Force) to overwrite it with the snapshot.", target);
            if (!_events.ShouldProcess(path, $"Overwrite with snapshot {snapshot.IdText} of '{snapshot.Source}' ({ByteSize.Format(size)})"))
                throw new OperationCanceledException();
        }
        var mode = fresh ? FileMode.CreateNew : FileMode.Open;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("RestoreTargetNotWritable", FailureKind.PermissionDenied, $"'{target}' cannot be written: {ex.Message}", target, ex);
        }
        long written = 0;
        using (handle)
        {
            long capacity = FileRegions.SizeBySeeking(handle);
            if (entry?.Kind == ItemType.BlockDevice && capacity < size)
                throw new PSCloneException("RestoreTargetTooSmall", FailureKind.InvalidArgument,
                    $"'{target}' holds {ByteSize.Format(capacity)}, less than the {ByteSize.Format(size)} of the snapshot. Restore to a device or file at least that large.", target);
            if (entry?.Kind == ItemType.File) RandomAccess.SetLength(handle, 0);
            var extents = image.ResolveExtents(snapshot.Root.Content!);
            var offsets = new long[extents.Length];
            for (int i = 1; i < extents.Length; i++) offsets[i] = offsets[i - 1] + extents[i - 1].Length;
            var progress = new ProgressTracker(_events, $"Restoring {snapshot.IdText} to {path}", 1, size);
            bool zeroHoles = entry?.Kind == ItemType.BlockDevice;
            var zeros = new byte[image.Manifest.Config.BlockSize];
            try
            {
                progress.Start(path);
                Parallel.For(0, extents.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, i =>
                {
                    var e = extents[i];
                    if (e.Hole)
                    {
                        if (zeroHoles)
                        {
                            for (long done = 0; done < e.Length; done += zeros.Length)
                                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, e.Length - done)), offsets[i] + done);
                        }
                    }
                    else
                    {
                        var data = BufferPool.Shared.Rent((int)e.Length);
                        try
                        {
                            int n = image.ReadBlobInto(e.Id, BlobKind.Data, data.AsSpan(0, (int)e.Length));
                            RandomAccess.Write(handle, data.AsSpan(0, n), offsets[i]);
                        }
                        catch (ImageFormatException ex)
                        {
                            throw ImageErrors.Damaged(image.Path, $"block at offset {offsets[i]} of snapshot {snapshot.IdText} cannot be read ({ex.Message})", ex);
                        }
                        finally
                        {
                            BufferPool.Shared.Return(data);
                        }
                    }
                    Interlocked.Add(ref written, e.Length);
                    progress.Done(e.Length);
                });
                if (entry?.Kind != ItemType.BlockDevice) RandomAccess.SetLength(handle, size);
                RandomAccess.FlushToDisk(handle);
            }
            finally
            {
                progress.Complete();
            }
        }
        return new ImageRestoreResult
        {
            Image = image.Path,
            SnapshotId = snapshot.IdText,
            Target = path,
            Status = CloneStatus.Success,
            StartTime = started,
            EndTime = DateTimeOffset.Now,
            ItemsRestored = 1,
            BytesRestored = written,
        };
    }
}

/// <summary>Inline extents for most files; content lists (metadata records) for very large ones (format §10.3).</summary>
internal static class ContentLists
{
    public static FileContent Make(ImageSession session, List<Extent> extents)
    {
        if (extents.Count <= ImageFormat.InlineExtentsMax) return new FileContent(extents.ToArray());
        var lists = new List<ContentListRef>();
        var w = new ByteWriter(1 << 16);
        for (int i = 0; i < extents.Count; i += ImageFormat.ContentListExtents)
        {
            var part = extents.GetRange(i, Math.Min(ImageFormat.ContentListExtents, extents.Count - i));
            var id = session.StoreMetadata(BlobKind.ContentList, TreeCodec.EncodeContentList(part.ToArray(), w));
            lists.Add(new ContentListRef(id, part.Sum(e => e.Length)));
        }
        return new FileContent(lists.ToArray());
    }
}
