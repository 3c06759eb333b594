using Microsoft.Win32.SafeHandles;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>A SingleFile image: heads at offset 0 and 4096, packs in regions of the same file.
/// Sessions append at the end; compaction moves packs down into gaps (format §11.3).</summary>
internal sealed class SingleFileStorage : ImageStorage
{
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
            foreach (var gap in GapsOf(committed)) _free.Add(gap);
            _tail = end;
            _tailHeld = false;
        }
    }

    /// <summary>The byte ranges in [8192, end) that a manifest does not use, lowest first.</summary>
    public static List<(long Start, long End)> GapsOf(Manifest manifest)
    {
        var used = new List<(long Start, long End)>();
        foreach (var p in manifest.Packs)
        {
            used.Add((p.Location, p.Location + p.Length));
            if (p.IsMetadata) used.Add((p.MirrorLocation, p.MirrorLocation + p.Length));
        }
        used.Sort();
        var gaps = new List<(long, long)>();
        long at = ImageFormat.HeadsSize;
        foreach (var (s, e) in used)
        {
            if (s > at) gaps.Add((at, s));
            at = Math.Max(at, e);
        }
        return gaps;
    }

    private long _tail;
    private bool _tailHeld;

    /// <summary>Exactly <paramref name="size"/> bytes: at the end of the file, or (compaction only)
    /// in the lowest gap that fits. Normal sessions only append, so what they leave after an
    /// interruption is past the committed end and cut off by the next session.</summary>
    private long Allocate(long size, bool preferGaps)
    {
        lock (_gate)
        {
            if (preferGaps)
            {
                for (int i = 0; i < _free.Count; i++)
                {
                    var (s, e) = _free[i];
                    if (e - s < size) continue;
                    if (e - s == size) _free.RemoveAt(i);
                    else _free[i] = (s + size, e);
                    return s;
                }
            }
            if (_tailHeld) throw new InvalidOperationException("A data pack holds the end of the file.");
            long start = _tail;
            _tail += size;
            return start;
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
        long start;
        lock (_gate)
        {
            if (_tailHeld) throw new InvalidOperationException("A data pack is open already.");
            _tailHeld = true;
            start = _tail;
        }
        var output = new Output(this, number, start);
        output.WriteHeader();
        return output;
    }

    private void CloseTail(long end)
    {
        lock (_gate)
        {
            _tailHeld = false;
            _tail = end;
        }
    }

    public override (long Location, long Mirror) ReserveMetadataPack(long length, bool preferGaps) =>
        (Allocate(length, preferGaps), Allocate(length, preferGaps));

    public override PackInfo WriteMetadataPack(uint number, IReadOnlyList<ReadOnlyMemory<byte>> bytes, long location, long mirror)
    {
        RandomAccess.Write(_handle, bytes, location);
        RandomAccess.Write(_handle, bytes, mirror);
        return new PackInfo(number, true, bytes.Sum(b => (long)b.Length), location, mirror);
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

    /// <summary>Released regions are zeroed (punched out where the file system can), so unused space
    /// holds nothing but zeros and verification can check it.</summary>
    public override void Release(IReadOnlyCollection<PackInfo> packs)
    {
        foreach (var p in packs)
        {
            Zero(p.Location, p.Length);
            if (p.IsMetadata) Zero(p.MirrorLocation, p.Length);
        }
    }

    private void Zero(long start, long length)
    {
        long end = Math.Min(start + length, RandomAccess.GetLength(_handle));
        if (end > start && !FileRegions.PunchHole(_handle, start, end - start))
        {
            var zeros = new byte[Math.Min(end - start, 1 << 20)];
            for (long at = start; at < end; at += zeros.Length)
                RandomAccess.Write(_handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, end - at)), at);
        }
        Free(start, start + length);
    }

    /// <summary>Gaps of the current state, lowest first (for compaction's moves).</summary>
    public List<(long Start, long End)> Gaps()
    {
        lock (_gate) return _free.ToList();
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

    /// <summary>Takes the lowest gap of at least <paramref name="length"/> bytes that lies below
    /// <paramref name="below"/> (compaction's moves); null when there is none.</summary>
    public long? TakeGapBelow(long length, long below)
    {
        lock (_gate)
        {
            for (int i = 0; i < _free.Count; i++)
            {
                var (s, e) = _free[i];
                if (e - s < length || s + length > below) continue;
                if (e - s == length) _free.RemoveAt(i);
                else _free[i] = (s + length, e);
                return s;
            }
            return null;
        }
    }

    public long FileLength => RandomAccess.GetLength(_handle);

    public SafeFileHandle Handle => _handle;

    public override long DiskSize() => FileSystems.Current.TryGetEntry(Path, false)?.AllocatedBytes ?? 0;

    public override void Dispose() => _stream.Dispose();

    private sealed class Output : PackOutput
    {
        private readonly SingleFileStorage _owner;
        private bool _done;

        [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
        public Output(SingleFileStorage owner, uint number, long start)
        {
            _owner = owner;
            Number = number;
            Location = start;
        }

        public void WriteHeader()
        {
            var header = PackHeader.Encode(Number, _owner.ImageId);
            RandomAccess.Write(_owner._handle, header, Location);
            Length = header.Length;
        }

        public override uint Append(ReadOnlySpan<byte> record)
        {
            long offset = Length;
            RandomAccess.Write(_owner._handle, record, Location + offset);
            Length = offset + record.Length;
            return (uint)offset;
        }

        public override void FlushBuffers() { }

        public override PackInfo Close()
        {
            _done = true;
            // The commit flushes the file; a finished pack goes to disk meanwhile.
            FileRegions.StartWriteback(_owner._handle, Location, Length);
            _owner.CloseTail(Location + Length);
            return new PackInfo(Number, false, Length, Location, 0);
        }

        public override void Abandon()
        {
            if (_done) return;
            _done = true;
            _owner.CloseTail(Location);
        }
    }
}
