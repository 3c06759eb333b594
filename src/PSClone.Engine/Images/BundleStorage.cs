using System.Globalization;
using Microsoft.Win32.SafeHandles;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>A Bundle image: a folder with the heads in "psimg" and one write-once file per pack
/// (format §2.2, §11.4). Pack files are opened on demand and a bounded number stays open.</summary>
internal sealed class BundleStorage : ImageStorage
{
    private const int MaxOpenHandles = 128;

    private readonly FileStream _head;
    private readonly object _gate = new();
    private readonly Dictionary<(uint, bool), CachedHandle> _handles = new();
    private readonly HashSet<string> _dirtyFolders = new(StringComparer.Ordinal);

    private BundleStorage(string path, bool writable, FileStream head)
        : base(path, writable)
    {
        _head = head;
    }

    public override ImageLayout Layout => ImageLayout.Bundle;

    public static BundleStorage Open(string folder, bool writable) =>
        new(folder, writable, ImageLock.OpenLocked(System.IO.Path.Combine(folder, ImageFormat.BundleHeadFile), writable, FileMode.Open));

    /// <summary>Makes the folder and its (still empty) head file; the caller fills it and renames the folder into place.</summary>
    public static BundleStorage Create(string folder)
    {
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(System.IO.Path.Combine(folder, "packs"));
        Directory.CreateDirectory(System.IO.Path.Combine(folder, "mirror"));
        File.WriteAllText(System.IO.Path.Combine(folder, "README.txt"),
            "This folder is a PSClone backup image (format: docs/image-format.md in PSClone).\n" +
            "Do not change, add or remove files in it; use 'psclone image' or the BackupImage cmdlets.\n");
        var head = ImageLock.OpenLocked(System.IO.Path.Combine(folder, ImageFormat.BundleHeadFile), true, FileMode.CreateNew);
        head.Write(new byte[ImageFormat.HeadsSize]);
        return new BundleStorage(folder, true, head);
    }

    private string PackPath(uint number, bool mirror) =>
        System.IO.Path.Combine(Path, mirror ? "mirror" : "packs", (number & 0xFF).ToString("x2", CultureInfo.InvariantCulture),
            number.ToString("x8", CultureInfo.InvariantCulture) + ".pspk");

    public override string Describe(PackInfo pack, bool mirror) =>
        System.IO.Path.GetRelativePath(Path, PackPath(pack.Number, mirror)).Replace('\\', '/');

    public override byte[] ReadHeads()
    {
        var heads = new byte[ImageFormat.HeadsSize];
        int done = 0;
        while (done < heads.Length)
        {
            int n = RandomAccess.Read(_head.SafeFileHandle, heads.AsSpan(done), done);
            if (n <= 0) break;
            done += n;
        }
        return heads;
    }

    public override void WriteHead(int slot, byte[] head)
    {
        RandomAccess.Write(_head.SafeFileHandle, head, slot * (long)ImageFormat.HeadSize);
        _head.Flush(flushToDisk: true);
    }

    private sealed class CachedHandle(SafeFileHandle handle)
    {
        public readonly SafeFileHandle Handle = handle;
        public int Users;
        public bool Retired;
    }

    private CachedHandle Lease(uint number, bool mirror)
    {
        lock (_gate)
        {
            if (!_handles.TryGetValue((number, mirror), out var cached))
            {
                if (_handles.Count >= MaxOpenHandles)
                {
                    foreach (var (key, h) in _handles.Where(kv => kv.Value.Users == 0).ToList())
                    {
                        h.Handle.Dispose();
                        _handles.Remove(key);
                    }
                }
                SafeFileHandle handle;
                try
                {
                    handle = File.OpenHandle(PackPath(number, mirror), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new ImageFormatException($"the pack file {Describe(new PackInfo(number, mirror, 0, 0, 0), mirror)} is missing");
                }
                _handles[(number, mirror)] = cached = new CachedHandle(handle);
            }
            cached.Users++;
            return cached;
        }
    }

    private void Return(CachedHandle cached)
    {
        lock (_gate)
        {
            cached.Users--;
            if (cached.Retired && cached.Users == 0) cached.Handle.Dispose();
        }
    }

    public override void Read(PackInfo pack, bool mirror, long offset, Span<byte> into)
    {
        if (offset < 0 || offset + into.Length > pack.Length) throw new ImageFormatException("a record lies outside its pack");
        var cached = Lease(pack.Number, mirror);
        try
        {
            ReadExactly(cached.Handle, into, offset);
        }
        finally
        {
            Return(cached);
        }
    }

    public override long? StoredLength(PackInfo pack, bool mirror)
    {
        var info = new FileInfo(PackPath(pack.Number, mirror));
        return info.Exists ? info.Length : null;
    }

    public override void BeginSession(Manifest committed, ImageHead head)
    {
        var known = committed.Packs.ToDictionary(p => p.Number);
        foreach (bool mirror in new[] { false, true })
        {
            string top = System.IO.Path.Combine(Path, mirror ? "mirror" : "packs");
            Directory.CreateDirectory(top);
            foreach (var folder in Directory.EnumerateDirectories(top))
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    string name = System.IO.Path.GetFileName(file);
                    bool ours = name.EndsWith(".pspk", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal);
                    if (!ours) continue;
                    bool live = name.Length == 13 && uint.TryParse(name.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint n)
                        && known.TryGetValue(n, out var p) && (!mirror || p.IsMetadata) && PackPath(n, mirror) == file;
                    if (live) continue;
                    RetireHandle(file);
                    File.Delete(file);
                    _dirtyFolders.Add(folder);
                }
            }
        }
    }

    private void RetireHandle(string file)
    {
        lock (_gate)
        {
            foreach (var (key, h) in _handles.ToList())
            {
                if (PackPath(key.Item1, key.Item2) != file) continue;
                _handles.Remove(key);
                h.Retired = true;
                if (h.Users == 0) h.Handle.Dispose();
            }
        }
    }

    private string EnsureFolder(uint number, bool mirror)
    {
        string path = PackPath(number, mirror);
        string folder = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            lock (_gate) _dirtyFolders.Add(System.IO.Path.GetDirectoryName(folder)!);
        }
        lock (_gate) _dirtyFolders.Add(folder);
        return path;
    }

    public override PackOutput OpenDataPack(uint number, int firstRecordLength)
    {
        string path = EnsureFolder(number, mirror: false);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        var output = new Output(stream, path) { Number = number };
        output.Append(PackHeader.Encode(number, ImageId));
        return output;
    }

    public override (long Location, long Mirror) ReserveMetadataPack(long length, bool preferGaps) => (0, 0);

    public override PackInfo WriteMetadataPack(uint number, IReadOnlyList<ReadOnlyMemory<byte>> bytes, long location, long mirror)
    {
        foreach (bool copy in new[] { false, true })
        {
            string path = EnsureFolder(number, copy);
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            foreach (var segment in bytes) stream.Write(segment.Span);
            stream.Flush(flushToDisk: true);
        }
        return new PackInfo(number, true, bytes.Sum(b => (long)b.Length), 0, 0);
    }

    public override void FlushForCommit(IReadOnlyCollection<PackInfo> newPacks)
    {
        foreach (var p in newPacks)
        {
            foreach (bool mirror in p.IsMetadata ? new[] { false, true } : new[] { false })
            {
                long? length = StoredLength(p, mirror);
                if (length != p.Length)
                    throw new IOException($"The pack file '{PackPath(p.Number, mirror)}' is {length?.ToString(CultureInfo.InvariantCulture) ?? "missing"} " +
                        $"after writing {p.Length} bytes; the file system lost data.");
            }
            // Metadata packs were flushed as they were written; data packs only started going to disk.
            if (!p.IsMetadata)
            {
                using var pack = new FileStream(PackPath(p.Number, false), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                pack.Flush(flushToDisk: true);
            }
        }
        List<string> folders;
        lock (_gate)
        {
            folders = _dirtyFolders.OrderByDescending(f => f.Length).ToList();
            _dirtyFolders.Clear();
        }
        foreach (var folder in folders) FileSystems.Current.FlushDirectory(folder);
    }

    public override void Release(IReadOnlyCollection<PackInfo> packs)
    {
        foreach (var p in packs)
        {
            foreach (bool mirror in p.IsMetadata ? new[] { false, true } : new[] { false })
            {
                string path = PackPath(p.Number, mirror);
                RetireHandle(path);
                try { File.Delete(path); }
                catch (IOException) { /* the next session removes what is left */ }
                catch (UnauthorizedAccessException) { }
            }
        }
    }

    public override long DiskSize()
    {
        long total = 0;
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            try { total += new FileInfo(file).Length; }
            catch (IOException) { }
        }
        return total;
    }

    public override void Dispose()
    {
        lock (_gate)
        {
            foreach (var h in _handles.Values)
            {
                h.Retired = true;
                if (h.Users == 0) h.Handle.Dispose();
            }
            _handles.Clear();
        }
        _head.Dispose();
    }

    private sealed class Output(FileStream stream, string path) : PackOutput
    {
        private bool _done;

        public override uint Append(ReadOnlySpan<byte> record)
        {
            long offset = Length;
            stream.Write(record);
            Length = offset + record.Length;
            return (uint)offset;
        }

        public override void FlushBuffers() => stream.Flush();

        public override PackInfo Close()
        {
            _done = true;
            // Durable at the commit (FlushForCommit); meanwhile the pack goes to disk while the
            // backup goes on, instead of every encoder waiting for this flush.
            stream.Flush();
            FileRegions.StartWriteback(stream.SafeFileHandle, 0, Length);
            stream.Dispose();
            return new PackInfo(Number, false, Length, 0, 0);
        }

        public override void Abandon()
        {
            if (_done) return;
            _done = true;
            try
            {
                stream.Dispose();
                File.Delete(path);
            }
            catch (IOException) { /* removed by the next session */ }
            catch (UnauthorizedAccessException) { }
        }
    }
}
