using System.Buffers;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>One writer's run on an image (format §11): stores new chunks (deduplicated, compressed,
/// encrypted) into data packs from many threads, collects trees and other metadata into mirrored
/// metadata packs, and commits by writing the manifest and then the head. Until <see cref="Commit"/>
/// returns, the committed state is untouched. A session commits at most once.</summary>
internal sealed class ImageSession : IDisposable
{
    private readonly BackupImage _image;
    private readonly Manifest _committed;
    private readonly object _dataGate = new();
    private readonly object _metaGate = new();
    private readonly List<PackInfo> _newPacks = new();
    private readonly Dictionary<uint, PackInfo> _sessionPacks = new();
    private PackOutput? _dataPack;
    private SegmentedBytes? _meta;
    private uint _metaNumber;
    private uint _nextPack;
    private long _sessionBytes;
    private long _addedBytes;
    private long _addedChunks;
    private bool _failed;
    private bool _done;

    public ImageSession(BackupImage image, CompressionSettings? compression = null)
    {
        if (!image.Writable) throw new InvalidOperationException("The image was opened read-only.");
        _image = image;
        _committed = image.Manifest;
        _nextPack = _committed.NextPackNumber;
        Compression = compression ?? _committed.Config.Compression;
        try
        {
            image.Storage.BeginSession(_committed, image.Head);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ImageErrors.WriteFailed(image.Path, ex);
        }
        image.SessionPack = number => { lock (_dataGate) return _sessionPacks.GetValueOrDefault(number); };
    }

    public CompressionSettings Compression { get; }

    /// <summary>SingleFile: put metadata packs into the lowest gaps that fit (compaction), not at the end.</summary>
    public bool PreferGaps { get; set; }

    /// <summary>Packs the commit dropped from the manifest; released (deleted, or turned into gaps) after it.</summary>
    public List<PackInfo> Released { get; } = new();
    public BackupImage Image => _image;
    public long AddedBytes => Interlocked.Read(ref _addedBytes);
    public long AddedChunks => Interlocked.Read(ref _addedChunks);
    public bool Failed => _failed;

    /// <summary>Bytes this session has written so far (packs and mirrors).</summary>
    public long SessionBytes => Interlocked.Read(ref _sessionBytes);

    private void CheckCapacity(long more)
    {
        long capacity = _committed.Config.Capacity;
        long size = _committed.Size + Interlocked.Read(ref _sessionBytes);
        if (capacity > 0 && size + more > capacity) throw ImageErrors.Full(_image.Path, capacity, size, more);
    }

    /// <summary>Stores a data chunk unless the image has it; returns its id.</summary>
    public ChunkId StoreData(ReadOnlySpan<byte> plaintext)
    {
        var id = _image.Keys.ComputeId(plaintext);
        if (!_image.Index.TryReserve(id, BlobKind.Data)) return id;
        var record = BufferPool.Shared.Rent(BlobCodec.MaxRecordLength(plaintext.Length));
        try
        {
            int n = BlobCodec.Encode(_image.Keys, BlobKind.Data, id, plaintext, Compression, record.Span);
            var (pack, offset) = AppendData(record.AsSpan(0, n));
            _image.Index.SetLocation(id, pack, offset, (uint)n, (uint)plaintext.Length, record.Span[3]);
            Interlocked.Add(ref _addedBytes, n);
            Interlocked.Increment(ref _addedChunks);
            return id;
        }
        catch
        {
            // A reserved id that was never written must not reach a commit.
            _failed = true;
            throw;
        }
        finally
        {
            BufferPool.Shared.Return(record);
        }
    }

    /// <summary>Appends a whole data record (new, or copied by compaction) to the open data pack.</summary>
    public (uint Pack, uint Offset) AppendData(ReadOnlySpan<byte> record)
    {
        lock (_dataGate)
        {
            try
            {
                bool needNew = _dataPack is null || _dataPack.Length >= _committed.Config.PackTargetSize
                    || _dataPack.Length + record.Length > _dataPack.Limit;
                CheckCapacity(record.Length + (needNew ? ImageFormat.PackHeaderSize : 0));
                if (needNew)
                {
                    CloseDataPack();
                    _dataPack = _image.Storage.OpenDataPack(_nextPack++, record.Length);
                    Interlocked.Add(ref _sessionBytes, ImageFormat.PackHeaderSize);
                    _sessionPacks[_dataPack.Number] = new PackInfo(_dataPack.Number, false, long.MaxValue, _dataPack.Location, 0);
                }
                uint offset = _dataPack!.Append(record);
                Interlocked.Add(ref _sessionBytes, record.Length);
                return (_dataPack.Number, offset);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _failed = true;
                throw WriteError(ex);
            }
        }
    }

    private PSCloneException WriteError(Exception ex) =>
        PlatformIOException.Classify(ex) == IOFailure.DiskFull ? ImageErrors.DiskFull(_image.Path, ex) : ImageErrors.WriteFailed(_image.Path, ex);

    private void CloseDataPack()
    {
        if (_dataPack is null) return;
        var info = _dataPack.Close();
        _dataPack = null;
        _newPacks.Add(info);
        _sessionPacks[info.Number] = info;
    }

    /// <summary>Makes written data readable by this process (for verification before the commit).</summary>
    public void FlushBuffers()
    {
        lock (_dataGate) _dataPack?.FlushBuffers();
    }

    /// <summary>Stores a tree or content list unless the image has it; returns its id.</summary>
    public ChunkId StoreMetadata(BlobKind kind, ReadOnlySpan<byte> plaintext)
    {
        var id = _image.Keys.ComputeId(plaintext);
        if (!_image.Index.TryReserve(id, kind)) return id;
        try
        {
            var (pack, offset, n, codec) = AppendMetadataRecord(kind, id, plaintext);
            _image.Index.SetLocation(id, pack, offset, (uint)n, (uint)plaintext.Length, codec);
            Interlocked.Add(ref _addedBytes, 2L * n);
            return id;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Encodes a metadata record (in a pooled buffer) and appends it to the metadata pack.</summary>
    private (uint Pack, uint Offset, int Length, byte Codec) AppendMetadataRecord(BlobKind kind, in ChunkId id, ReadOnlySpan<byte> plaintext)
    {
        var record = BufferPool.Shared.Rent(BlobCodec.MaxRecordLength(plaintext.Length));
        try
        {
            int n = BlobCodec.Encode(_image.Keys, kind, id, plaintext, CompressionSettings.Metadata, record.Span);
            var (pack, offset) = AppendMetadata(record.AsSpan(0, n));
            return (pack, offset, n, record.Span[3]);
        }
        finally
        {
            BufferPool.Shared.Return(record);
        }
    }

    /// <summary>Appends a metadata record to the metadata pack being built (written at the commit,
    /// or when it reaches the target size).</summary>
    public (uint Pack, uint Offset) AppendMetadata(ReadOnlySpan<byte> record)
    {
        lock (_metaGate)
        {
            if (_meta is not null && _meta.Length > ImageFormat.PackHeaderSize && _meta.Length + record.Length > _committed.Config.PackTargetSize)
                FlushMetadataPack();
            if (_meta is null) StartMetadataPack();
            CheckCapacity(2L * record.Length);
            uint offset = (uint)_meta.Length;
            _meta.Append(record);
            Interlocked.Add(ref _sessionBytes, 2L * record.Length);
            return (_metaNumber, offset);
        }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_meta))]
    private void StartMetadataPack()
    {
        CheckCapacity(2L * ImageFormat.PackHeaderSize);
        _metaNumber = NextPackNumber();
        _meta = new SegmentedBytes();
        _meta.Append(PackHeader.Encode(_metaNumber, _image.Keys.ImageId));
        Interlocked.Add(ref _sessionBytes, 2L * ImageFormat.PackHeaderSize);
    }

    private uint NextPackNumber()
    {
        lock (_dataGate) return _nextPack++;
    }

    private void FlushMetadataPack()
    {
        if (_meta is null) return;
        try
        {
            lock (_dataGate) CloseDataPack(); // a SingleFile data pack holds the end of the file
            var (location, mirror) = _image.Storage.ReserveMetadataPack(_meta.Length, PreferGaps);
            var info = _image.Storage.WriteMetadataPack(_metaNumber, _meta.Segments, location, mirror);
            lock (_dataGate)
            {
                _newPacks.Add(info);
                _sessionPacks[info.Number] = info;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failed = true;
            throw WriteError(ex);
        }
        _meta.Dispose();
        _meta = null;
    }

    /// <summary>Commits: index blobs for the new entries (or, with <paramref name="rewriteIndex"/>,
    /// for all of them), the manifest that <paramref name="change"/> edits, flush, then the head.</summary>
    public Manifest Commit(Action<Manifest> change, bool rewriteIndex = false, Func<Manifest, PackInfo, BlobRef, byte[]>? seal = null)
    {
        if (_done) throw new InvalidOperationException("The session has committed already.");
        if (_failed) throw new InvalidOperationException("The session failed; it cannot commit.");
        if (_image.Index.HasPending()) throw new InvalidOperationException("A chunk was reserved but never written.");
        try
        {
            lock (_dataGate) CloseDataPack();
            var next = _committed.CloneForNext();
            next.Generation++;
            next.CommitTimeNs = UnixTime.NowNs();
            change(next);

            var entries = rewriteIndex ? SortedAll() : _image.Index.SessionEntries();
            var indexRefs = new List<BlobRef>();
            for (int i = 0; i < entries.Length; i += ImageFormat.IndexEntriesPerBlob)
            {
                var plain = BackupImage.EncodeIndex(entries.AsSpan(i, Math.Min(ImageFormat.IndexEntriesPerBlob, entries.Length - i)));
                var id = _image.Keys.ComputeId(plain);
                var (pack, offset, n, _) = AppendMetadataRecord(BlobKind.Index, id, plain);
                indexRefs.Add(new BlobRef(pack, offset, (uint)n, id));
            }
            next.IndexBlobs = rewriteIndex ? indexRefs : next.IndexBlobs.Concat(indexRefs).ToList();

            // The manifest is the last record of the last metadata pack. It is stored uncompressed so
            // its length does not depend on the numbers in it, which include its own pack's length.
            lock (_metaGate)
            {
                if (_meta is null || _meta.Length + EstimateManifestRecord(next) > _committed.Config.PackTargetSize) FlushMetadataPack();
                if (_meta is null) StartMetadataPack();
            }
            var manifestPackNumber = _metaNumber;
            var placeholder = new PackInfo(manifestPackNumber, true, 0, 0, 0);
            var kept = next.Packs.Where(p => _committed.Packs.Any(c => c.Number == p.Number)).ToList();
            // The previous manifest's pack goes when nothing else in it is still referenced (a no-op
            // backup then leaves no pack behind).
            if (kept.FirstOrDefault(p => p.Number == _image.Head.Manifest.Pack) is { } previous
                && !next.IndexBlobs.Any(b => b.Pack == previous.Number) && !_image.Index.AnyInPack(previous.Number))
            {
                kept.Remove(previous);
                Released.Add(previous);
            }
            var packs = kept.Concat(_newPacks).Append(placeholder).OrderBy(p => p.Number).ToList();
            next.Packs = packs;
            next.NextPackNumber = _nextPack;
            int manifestLength = next.Encode().Length;
            long recordOffset = _meta!.Length;
            long packLength = recordOffset + BlobCodec.Overhead + manifestLength;
            CheckCapacity(2 * (packLength - _meta.Length));
            var (location, mirror) = _image.Storage.ReserveMetadataPack(packLength, PreferGaps);
            var manifestPack = new PackInfo(manifestPackNumber, true, packLength, location, mirror);
            next.Packs = packs.Select(p => p.Number == manifestPackNumber ? manifestPack : p).ToList();
            var manifestPlain = next.Encode();
            if (manifestPlain.Length != manifestLength) throw new InvalidOperationException("The manifest changed length.");
            var manifestId = _image.Keys.ComputeId(manifestPlain);
            var manifestRecord = new byte[BlobCodec.MaxRecordLength(manifestPlain.Length)];
            int mn = BlobCodec.Encode(_image.Keys, BlobKind.Manifest, manifestId, manifestPlain, default, manifestRecord);
            _meta.Append(manifestRecord.AsSpan(0, mn));
            _image.Storage.WriteMetadataPack(manifestPackNumber, _meta.Segments, location, mirror);
            _meta.Dispose();
            _meta = null;
            var written = _newPacks.Append(manifestPack).ToList();
            _image.Storage.FlushForCommit(written);

            var manifestRef = new BlobRef(manifestPackNumber, (uint)recordOffset, (uint)mn, manifestId);
            byte[]? sealBytes = seal?.Invoke(next, manifestPack, manifestRef);
            _image.CommitHead(next, manifestRef, manifestPack, sealBytes);
            _image.Index.MarkCommitted();
            _done = true;
            _image.SessionPack = null;
            foreach (var old in _committed.Packs)
            {
                var now = next.Packs.FirstOrDefault(p => p.Number == old.Number);
                if (now is null)
                {
                    if (!Released.Contains(old)) Released.Add(old);
                    continue;
                }
                // A pack moved by compaction: its old region is free now.
                if (now.Location != old.Location) Released.Add(new PackInfo(old.Number, false, old.Length, old.Location, 0));
                if (old.IsMetadata && now.MirrorLocation != old.MirrorLocation) Released.Add(new PackInfo(old.Number, false, old.Length, old.MirrorLocation, 0));
            }
            try
            {
                _image.Storage.Release(Released);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Committed already; what could not be released is reclaimed by the next session.
            }
            return next;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failed = true;
            throw WriteError(ex);
        }
    }

    private static int EstimateManifestRecord(Manifest next) => BlobCodec.Overhead + next.Encode().Length + 64;

    private IndexEntry[] SortedAll()
    {
        var all = _image.Index.All();
        Array.Sort(all, static (a, b) => ChunkId.CompareBytes(a.Id, b.Id));
        return all;
    }

    /// <summary>Drops what the session wrote (its packs become garbage the next session reclaims).</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        _image.SessionPack = null;
        lock (_dataGate)
        {
            _dataPack?.Abandon();
            _dataPack = null;
        }
        lock (_metaGate)
        {
            _meta?.Dispose();
            _meta = null;
        }
        _image.Index.RollbackToCommitted();
    }
}
