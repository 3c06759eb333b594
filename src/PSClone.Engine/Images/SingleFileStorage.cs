using Microsoft.Win32.SafeHandles;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>A SingleFile image: heads at offset 0 and 4096, packs in regions of the same file.
/// New packs go into gaps (lowest first) or at the end (format §11.3).</summary>
internal sealed class SingleFileStorage : ImageStorage
{
    /// <summary>Data packs skip gaps smaller than this (they would make many tiny packs).</summary>
    private const long PreferredGap = 1 << 20;

    private readonly FileStream _stream;
    private readonly SafeFileHandle _handle;
    private readonly object _gate = new();
    private readonly List<(long Start, long End)> _free = new();

    private SingleFileStorage(string path, bool writable, FileStream stream)
        : base(path, writable)
    {
        _stream = stream;
        _handle = stream.SafeFileHandle;
    }

    public override ImageLayout Layout => ImageLayout.SingleFile;

    public static SingleFileStorage Open(string path, bool writable, bool create = false)
    {
        var stream = ImageLock.OpenLocked(path, writable, create ? FileMode.CreateNew : FileMode.Open);
        return new SingleFileStorage(path, writable, stream);
    }

    public override byte[] ReadHeads()
    {
        var heads = new byte[ImageFormat.HeadsSize];
        int done = 0;
        while (done < heads.Length)
        {
            int n = RandomAccess.Read(_handle, heads.AsSpan(done), done);
            if (n <= 0) break;
            done += n;
        }
        return heads;
    }

    public override void WriteHead(int slot, byte[] head)
    {
        RandomAccess.Write(_handle, head, slot * (long)ImageFormat.HeadSize);
        _stream.Flush(flushToDisk: true);
    }

    public override void Read(PackInfo pack, bool mirror, long offset, Span<byte> into)
    {
        if (offset < 0 || offset + into.Length > pack.Length) throw new ImageFormatException("a record lies outside its pack");
        ReadExactly(_handle, into, (mirror ? pack.MirrorLocation : pack.Location) + offset);
    }

    public override long? StoredLength(PackInfo pack, bool mirror)
    {
        long fileLength = RandomAccess.GetLength(_handle);
        long start = mirror ? pack.MirrorLocation : pack.Location;
        return Math.Clamp(fileLength - start, 0, pack.Length);
    }

    public override string Describe(PackInfo pack, bool mirror) =>
        $"{(mirror ? "mirror of pack" : "pack")} {pack.Number} at offset {(mirror ? pack.MirrorLocation : pack.Location)}";

    public override void BeginSession(Manifest committed, ImageHead head)
    {
        long end = Math.Max(head.CommittedEnd, EndOf(committed));
        if (RandomAccess.GetLength(_handle) > end) _stream.SetLength(end);
        lock (_gate)
        {
            _free.Clear();
            var used = new List<(long Start, long End)>();
            foreach (var p in committed.Packs)
            {
                used.Add((p.Location, p.Location + p.Length));
                if (p.IsMetadata) used.Add((p.MirrorLocation, p.MirrorLocation + p.Length));
            }
            used.Sort();
            long at = ImageFormat.HeadsSize;
            foreach (var (s, e) in used)
            {
                if (s > at) _free.Add((at, s));
                at = Math.Max(at, e);
            }
            _free.Add((at, long.MaxValue));
        }
    }

    /// <summary>Takes the lowest gap of at least <paramref name="size"/> bytes (whole, until the
    /// pack is closed and gives back what it did not use).</summary>
    private (long Start, long End) Allocate(long size)
    {
        lock (_gate)
        {
            for (int i = 0; i < _free.Count; i++)
            {
                var (s, e) = _free[i];
                if (e - s >= size)
                {
                    _free.RemoveAt(i);
                    return (s, e);
                }
            }
            throw new InvalidOperationException("The free list has no tail.");
        }
    }

    private void Free(long start, long end)
    {
        if (end <= start) return;
        lock (_gate)
        {
            _free.Add((start, end));
            _free.Sort();
            for (int i = _free.Count - 1; i > 0; i--)
            {
                if (_free[i - 1].End >= _free[i].Start)
                {
                    _free[i - 1] = (_free[i - 1].Start, Math.Max(_free[i - 1].End, _free[i].End));
                    _free.RemoveAt(i);
                }
            }
        }
    }

    public override PackOutput OpenDataPack(uint number, int firstRecordLength)
    {
        long need = ImageFormat.PackHeaderSize + (long)firstRecordLength;
        var (start, end) = Allocate(Math.Max(need, PreferredGap));
        if (end - start < need)
        {
            Free(start, end);
            (start, end) = Allocate(need);
        }
        var output = new Output(this, number, start, end);
        output.WriteHeader();
        return output;
    }

    public override (long Location, long Mirror) ReserveMetadataPack(long length)
    {
        var (s1, e1) = Allocate(length);
        Free(s1 + length, e1);
        var (s2, e2) = Allocate(length);
        Free(s2 + length, e2);
        return (s1, s2);
    }

    public override PackInfo WriteMetadataPack(uint number, ReadOnlySpan<byte> bytes, long location, long mirror)
    {
        RandomAccess.Write(_handle, bytes, location);
        RandomAccess.Write(_handle, bytes, mirror);
        return new PackInfo(number, true, bytes.Length, location, mirror);
    }

    public override void FlushForCommit(IReadOnlyCollection<PackInfo> newPacks)
    {
        _stream.Flush(flushToDisk: true);
        long length = RandomAccess.GetLength(_handle);
        foreach (var p in newPacks)
        {
            long end = Math.Max(p.Location, p.IsMetadata ? p.MirrorLocation : 0) + p.Length;
            if (length < end)
                throw new IOException($"The image file '{Path}' is {length} bytes after writing, shorter than the {end} bytes written; the file system lost data.");
        }
    }

    public override void Release(IReadOnlyCollection<PackInfo> packs, bool giveBack)
    {
        foreach (var p in packs)
        {
            Free(p.Location, p.Location + p.Length);
            if (giveBack) FileRegions.PunchHole(_handle, p.Location, p.Length);
            if (p.IsMetadata)
            {
                Free(p.MirrorLocation, p.MirrorLocation + p.Length);
                if (giveBack) FileRegions.PunchHole(_handle, p.MirrorLocation, p.Length);
            }
        }
    }

    /// <summary>Gaps of the current state, lowest first (for compaction's moves).</summary>
    public List<(long Start, long End)> Gaps()
    {
        lock (_gate) return _free.ToList();
    }

    /// <summary>Cuts the file at <paramref name="end"/> (after a commit that uses nothing beyond it).</summary>
    public void Truncate(long end)
    {
        lock (_gate)
        {
            _stream.SetLength(end);
            _stream.Flush(flushToDisk: true);
            for (int i = _free.Count - 1; i >= 0; i--)
            {
                if (_free[i].Start >= end) _free.RemoveAt(i);
                else if (_free[i].End > end) _free[i] = (_free[i].Start, end);
            }
            _free.Add((end, long.MaxValue));
            _free.Sort();
        }
    }

    /// <summary>Copies a committed pack (or mirror) to a new region; returns the region's start.</summary>
    public long CopyRegion(long from, long length, long to)
    {
        var buffer = new byte[Math.Min(length, 4 << 20)];
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            ReadExactly(_handle, buffer.AsSpan(0, n), from + done);
            RandomAccess.Write(_handle, buffer.AsSpan(0, n), to + done);
            done += n;
        }
        return to;
    }

    /// <summary>Reserves exactly [start, start + length) inside a gap (compaction's moves).</summary>
    public bool TryReserve(long start, long length)
    {
        lock (_gate)
        {
            for (int i = 0; i < _free.Count; i++)
            {
                var (s, e) = _free[i];
                if (s <= start && start + length <= e)
                {
                    _free.RemoveAt(i);
                    if (s < start) _free.Add((s, start));
                    if (start + length < e) _free.Add((start + length, e));
                    _free.Sort();
                    return true;
                }
            }
            return false;
        }
    }

    public long FileLength => RandomAccess.GetLength(_handle);

    public SafeFileHandle Handle => _handle;

    public override long DiskSize() => FileSystems.Current.TryGetEntry(Path, false)?.AllocatedBytes ?? 0;

    public override void Dispose() => _stream.Dispose();

    private sealed class Output : PackOutput
    {
        private readonly SingleFileStorage _owner;
        private readonly long _start;
        private readonly long _end;
        private bool _done;

        [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
        public Output(SingleFileStorage owner, uint number, long start, long end)
        {
            _owner = owner;
            _start = start;
            _end = end;
            Number = number;
            Location = start;
            Limit = end == long.MaxValue ? long.MaxValue : end - start;
        }

        public void WriteHeader()
        {
            var header = PackHeader.Encode(Number, _owner.ImageId);
            RandomAccess.Write(_owner._handle, header, _start);
            Length = header.Length;
        }

        public override uint Append(ReadOnlySpan<byte> record)
        {
            long offset = Length;
            RandomAccess.Write(_owner._handle, record, _start + offset);
            Length = offset + record.Length;
            return (uint)offset;
        }

        public override void FlushBuffers() { }

        public override PackInfo Close()
        {
            _done = true;
            _owner.Free(_start + Length, _end);
            return new PackInfo(Number, false, Length, _start, 0);
        }

        public override void Abandon()
        {
            if (_done) return;
            _done = true;
            _owner.Free(_start, _end);
        }
    }
}
