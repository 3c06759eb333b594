using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;
using static PSClone.Platform.LinuxNative;

namespace PSClone.Platform;

/// <summary>Linux: statx, readdir, copy_file_range with holes kept, user xattrs, owners when root.</summary>
internal sealed unsafe class LinuxFileSystem : IFileSystem
{
    private const int CopyChunk = 64 << 20;

    [ThreadStatic] private static byte[]? t_buffer;

    static LinuxFileSystem() => RegisterResolver();

    public LinuxFileSystem()
    {
        ProcessUid = GetEUid();
        _processGid = GetEGid();
        CanPreserveOwner = ProcessUid == 0;
    }

    private readonly uint _processGid;

    public bool CanPreserveOwner { get; }
    public uint? ProcessUid { get; }
    public bool CanSetLinkTimes => true;
    public MetadataLoss AlwaysLost => MetadataLoss.FileAttributes;

    private static byte[] Buffer => t_buffer ??= new byte[64 << 10];

    internal static byte[] Z(string path)
    {
        int n = Encoding.UTF8.GetByteCount(path);
        var bytes = new byte[n + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    public void ReadDirectory(string path, List<FsEntry> into, bool withXattrs, Action<string, Exception> onEntryError)
    {
        nint dir;
        fixed (byte* p = Z(path)) dir = OpenDir(p);
        if (dir == 0) throw Error("Cannot open folder", path);
        try
        {
            int fd = DirFd(dir);
            string prefix = path.EndsWith('/') ? path : path + "/";
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                nint ent = ReadDir(dir);
                if (ent == 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != 0) throw Error("Cannot read folder", path, errno);
                    break;
                }
                byte* namePtr = (byte*)ent + 19;
                var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(namePtr);
                if (nameBytes.Length <= 2 && nameBytes[0] == (byte)'.' && (nameBytes.Length == 1 || nameBytes[1] == (byte)'.'))
                    continue;
                if (!Utf8.IsValid(nameBytes))
                {
                    onEntryError(prefix + Encoding.UTF8.GetString(nameBytes), new PlatformIOException(
                        "Cannot copy", prefix + EscapeName(nameBytes), 84, IOFailure.Other,
                        "the name is not valid UTF-8; rename it to a UTF-8 name"));
                    continue;
                }
                string name = Encoding.UTF8.GetString(nameBytes);
                Statx st;
                if (StatxAt(fd, namePtr, AtSymlinkNoFollow, StatxBasicStats, &st) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 2) continue; // vanished between readdir and stat: it is simply gone
                    onEntryError(prefix + name, Error("Cannot read", prefix + name, errno));
                    continue;
                }
                var entry = ToEntry(name, in st);
                if (entry.Kind == ItemType.SymbolicLink)
                {
                    try { entry.LinkTarget = ReadLink(fd, namePtr, prefix + name); }
                    catch (PlatformIOException ex) { onEntryError(prefix + name, ex); continue; }
                }
                if (withXattrs && entry.Kind is ItemType.File or ItemType.Directory)
                {
                    try { entry.Xattrs = ReadXattrs(prefix + name); }
                    catch (PlatformIOException ex) when (ex.Failure == IOFailure.NotFound) { continue; }
                    catch (PlatformIOException ex) { onEntryError(prefix + name, ex); continue; }
                }
                into.Add(entry);
            }
        }
        finally
        {
            CloseDir(dir);
        }
    }

    private static string EscapeName(ReadOnlySpan<byte> name)
    {
        var sb = new StringBuilder();
        foreach (byte b in name)
        {
            if (b is >= 0x20 and < 0x7f) sb.Append((char)b);
            else sb.Append("\\x").Append(b.ToString("x2"));
        }
        return sb.ToString();
    }

    public FsEntry? TryGetEntry(string path, bool withXattrs)
    {
        Statx st;
        fixed (byte* p = ZTemp(path))
        {
            if (StatxAt(AtFdCwd, p, AtSymlinkNoFollow, StatxBasicStats, &st) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
                throw Error("Cannot read", path, errno);
            }
            var entry = ToEntry(System.IO.Path.GetFileName(path.TrimEnd('/')), in st);
            if (entry.Kind == ItemType.SymbolicLink) entry.LinkTarget = ReadLink(AtFdCwd, p, path);
            if (withXattrs && entry.Kind is ItemType.File or ItemType.Directory) entry.Xattrs = ReadXattrs(p, -1, path);
            return entry;
        }
    }

    public FsEntry GetEntry(SafeFileHandle handle, string path, string name)
    {
        var st = FStat((int)handle.DangerousGetHandle(), path);
        return ToEntry(name, in st);
    }

    private static FsEntry ToEntry(string name, in Statx st)
    {
        uint type = st.Mode & SIfMt;
        var kind = type switch
        {
            SIfReg => ItemType.File,
            SIfDir => ItemType.Directory,
            SIfLnk => ItemType.SymbolicLink,
            SIfIfo => ItemType.Fifo,
            SIfSock => ItemType.Socket,
            SIfChr => ItemType.CharacterDevice,
            SIfBlk => ItemType.BlockDevice,
            _ => ItemType.File,
        };
        return new FsEntry(name, kind)
        {
            Size = kind == ItemType.File || kind == ItemType.SymbolicLink ? (long)st.Size : 0,
            MTimeNs = st.MTimeSec * 1_000_000_000L + st.MTimeNsec,
            CTimeNs = st.CTimeSec * 1_000_000_000L + st.CTimeNsec,
            Mode = st.Mode & 0xFFFu,
            Uid = st.Uid,
            Gid = st.Gid,
            Device = ((ulong)st.DevMajor << 32) | st.DevMinor,
            Inode = st.Ino,
            LinkCount = st.NLink,
            AllocatedBytes = (long)st.Blocks * 512,
        };
    }

    private static string ReadLink(int dirfd, byte* path, string display)
    {
        var buf = Buffer;
        fixed (byte* b = buf)
        {
            nint n = ReadLinkAt(dirfd, path, b, buf.Length);
            if (n < 0) throw Error("Cannot read link", display);
            return Encoding.UTF8.GetString(b, (int)n);
        }
    }

    public XattrSet ReadXattrs(string path)
    {
        fixed (byte* p = ZTemp(path)) return ReadXattrs(p, -1, path);
    }

    [ThreadStatic] private static byte[]? t_path;

    /// <summary>The path as a NUL-terminated UTF-8 string in a buffer of this thread's, valid until its
    /// next call: for the calls made for every item of a tree (no garbage per item).</summary>
    private static byte[] ZTemp(string path) => ZTemp(path, out _);

    private static byte[] ZTemp(string path, out int length)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        var buf = t_path;
        if (buf is null || buf.Length < max) t_path = buf = new byte[Math.Max(max, 4096)];
        length = Encoding.UTF8.GetBytes(path, buf);
        buf[length] = 0;
        return buf;
    }

    /// <summary>listxattr by path (<paramref name="path"/> not null, links not followed) or by open file.</summary>
    private static nint ListXattrs(byte* path, int fd, byte* buffer, nint size) =>
        path != null ? LListXattr(path, buffer, size) : FListXattr(fd, buffer, size);

    private static nint GetXattr(byte* path, int fd, byte* name, byte* value, nint size) =>
        path != null ? LGetXattr(path, name, value, size) : FGetXattr(fd, name, value, size);

    /// <summary>The attributes a clone keeps: "user." ones, POSIX ACLs (as rsync -A does), and as root
    /// the "trusted." and "security." ones (file capabilities, labels), as rsync -X does.</summary>
    private bool IsKept(ReadOnlySpan<byte> name) =>
        name.StartsWith("user."u8)
        || name.SequenceEqual("system.posix_acl_access\0"u8) || name.SequenceEqual("system.posix_acl_default\0"u8)
        || (CanPreserveOwner && (name.StartsWith("trusted."u8) || name.StartsWith("security."u8)));

    /// <summary>Reads the kept attributes through a list call and a get call, by path (links not
    /// followed) or, where <paramref name="path"/> is null, by open file. Nothing is allocated for an
    /// item without kept attributes.</summary>
    private XattrSet ReadXattrs(byte* path, int fd, string display)
    {
        var buf = Buffer;
        nint n;
        fixed (byte* b = buf) n = ListXattrs(path, fd, b, buf.Length);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is 95 or 61) return XattrSet.Empty; // not supported / no data
            if (errno == 34) // ERANGE: a very long list
            {
                n = ListXattrs(path, fd, null, 0);
                buf = new byte[Math.Max(0, n)];
                fixed (byte* b = buf) n = ListXattrs(path, fd, b, buf.Length);
            }
            if (n < 0) throw Error("Cannot list extended attributes of", display);
        }
        if (n == 0) return XattrSet.Empty;
        List<KeyValuePair<string, byte[]>>? items = null;
        var names = buf.AsSpan(0, (int)n); // the get calls below do not use this thread's buffer
        int start = 0;
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i] != 0) continue;
            var nameSpan = names.Slice(start, i - start + 1); // with its NUL
            start = i + 1;
            if (!IsKept(nameSpan)) continue;
            string name = Encoding.UTF8.GetString(nameSpan[..^1]);
            fixed (byte* np = nameSpan)
            {
                nint len = GetXattr(path, fd, np, null, 0);
                if (len < 0) throw Error($"Cannot read extended attribute {name} of", display);
                var value = new byte[len];
                fixed (byte* vp = value) len = GetXattr(path, fd, np, vp, value.Length);
                if (len < 0) throw Error($"Cannot read extended attribute {name} of", display);
                (items ??= new()).Add(new(name, len == value.Length ? value : value.AsSpan(0, (int)len).ToArray()));
            }
        }
        return items is null ? XattrSet.Empty : new XattrSet(items);
    }

    public CopyOutcome CopyFile(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel)
    {
        int dst = OpenNew(target);
        bool ok = false;
        try
        {
            var outcome = Fill(dst, source, target, metadata, durable, cancel);
            ok = true;
            return outcome;
        }
        finally
        {
            Close(dst);
            if (!ok)
            {
                fixed (byte* t = ZTemp(target)) Unlink(t);
            }
        }
    }

    /// <summary>O_TMPFILE: an unnamed file in the target's folder, given its name (linkat) only once it
    /// is complete. Nothing half-written ever has a name, a crash leaves nothing behind, and the folder
    /// sees one entry added instead of a temp entry created and renamed.</summary>
    public bool TryCopyFileNew(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel, out CopyOutcome outcome)
    {
        outcome = default;
        int dst = OpenUnnamed(target);
        if (dst < 0) return false;
        try
        {
            outcome = Fill(dst, source, target, metadata, durable, cancel);
            LinkOpenFile(dst, target);
            return true;
        }
        finally
        {
            Close(dst);
        }
    }

    /// <summary>An unnamed file in the target's folder; -1 where the file system has no O_TMPFILE.</summary>
    private static int OpenUnnamed(string target)
    {
        var folder = ZTemp(target, out int length);
        int slash = folder.AsSpan(0, length).LastIndexOf((byte)'/');
        folder[slash > 0 ? slash : slash + 1] = 0; // the target's folder ("/" for an item at the root)
        int fd;
        fixed (byte* d = folder) fd = Open(d, OWrOnly | OTmpFile | OCloExec, 0x180);
        if (fd >= 0) return fd;
        int errno = Marshal.GetLastPInvokeError();
        if (errno is 95 or 21 or 22) return -1; // EOPNOTSUPP, EISDIR, EINVAL: this file system has no O_TMPFILE
        throw Error("Cannot create", target, errno);
    }

    public SafeFileHandle? CreateUnnamed(string target)
    {
        int fd = OpenUnnamed(target);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    public MetadataLoss NameNewFile(SafeFileHandle handle, string target, FsEntry metadata)
    {
        int fd = (int)handle.DangerousGetHandle();
        var loss = SetMetadata(fd, target, metadata);
        LinkOpenFile(fd, target);
        return loss;
    }

    private static void LinkOpenFile(int fd, string target)
    {
        Span<byte> procPath = stackalloc byte[32];
        "/proc/self/fd/"u8.CopyTo(procPath);
        fd.TryFormat(procPath[14..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        procPath[14 + digits] = 0;
        fixed (byte* t = ZTemp(target))
        {
            fixed (byte* proc = procPath)
            {
                if (LinkAt(AtFdCwd, proc, AtFdCwd, t, AtSymlinkFollow) == 0) return;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == 2) // no /proc: name the descriptor itself (needs CAP_DAC_READ_SEARCH)
            {
                fixed (byte* e = EmptyPath)
                {
                    if (LinkAt(fd, e, AtFdCwd, t, AtEmptyPath) == 0) return;
                }
                errno = Marshal.GetLastPInvokeError();
            }
            throw Error("Cannot create", target, errno);
        }
    }

    /// <summary>Copies a source file's content and metadata into an open, empty file.</summary>
    private CopyOutcome Fill(int dst, string source, string target, FsEntry metadata, bool durable, CancellationToken cancel)
    {
        int src = OpenSource(source);
        try
        {
            var before = FStat(src, source);
            if ((before.Mode & SIfMt) != SIfReg)
                throw new PlatformIOException("Cannot copy", source, 0, IOFailure.Other, "it is no longer a regular file");
            long size = (long)before.Size;
            bool sparse = (long)before.Blocks * 512 < size;
            long copied = sparse ? CopySparse(src, dst, size, source, target, cancel) : CopyAll(src, dst, size, source, target, cancel);
            if (sparse && FTruncate(dst, size) != 0) throw Error("Cannot write", target);

            var after = FStat(src, source);
            if (after.Size != before.Size || after.MTimeSec != before.MTimeSec || after.MTimeNsec != before.MTimeNsec
                || (!sparse && copied != size))
                throw new SourceChangedException(source);

            var desired = ToEntry(metadata.Name, in after);
            desired.Xattrs = ReadXattrs(null, src, source);
            var loss = SetMetadata(dst, target, desired);
            if (durable && FSync(dst) != 0) throw Error("Cannot flush", target);
            return new CopyOutcome(copied, size, desired.MTimeNs, loss);
        }
        finally
        {
            Close(src);
        }
    }

    private static readonly byte[] EmptyPath = { 0 };

    private static Statx FStat(int fd, string display)
    {
        Statx st;
        fixed (byte* e = EmptyPath)
        {
            if (StatxAt(fd, e, AtEmptyPath, StatxBasicStats, &st) != 0) throw Error("Cannot read", display);
        }
        return st;
    }

    private static int OpenSource(string source)
    {
        fixed (byte* s = ZTemp(source))
        {
            // O_NOATIME keeps backups from touching access times; only the owner (or root) may ask for it.
            int fd = Open(s, ORdOnly | OCloExec | ONoFollow | ONoAtime, 0);
            if (fd < 0 && Marshal.GetLastPInvokeError() == 1) fd = Open(s, ORdOnly | OCloExec | ONoFollow, 0);
            if (fd < 0) throw Error("Cannot open", source);
            return fd;
        }
    }

    /// <summary>Large files are copied in parts of about this many bytes, the parts in parallel: one
    /// copy runs on one core, and the one big changed file is often a run's critical path.</summary>
    private const long ParallelPart = 64L << 20;

    private static long CopyAll(int src, int dst, long size, string source, string target, CancellationToken cancel)
    {
        if (size < 2 * ParallelPart) return CopyRange(src, dst, 0, size, source, target, cancel);
        int parts = (int)Math.Min((size + ParallelPart - 1) / ParallelPart, 256);
        long part = (size + parts - 1) / parts;
        long copied = 0;
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, i =>
            {
                long start = i * part, end = Math.Min(size, start + part);
                if (start < end) Interlocked.Add(ref copied, CopyRange(src, dst, start, end, source, target, cancel));
            });
        }
        catch (AggregateException ex)
        {
            // The caller handles one failure (a full disk, a read error) as for a single copy.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
        return copied;
    }

    /// <summary>Copies bytes [start, end) to the same offsets (copy_file_range, or read and write where
    /// the two file systems cannot); stops early at the source's end.</summary>
    private static long CopyRange(int src, int dst, long start, long end, string source, string target, CancellationToken cancel)
    {
        long off = start;
        bool useCopyRange = true;
        while (off < end)
        {
            cancel.ThrowIfCancellationRequested();
            nint n = -1;
            if (useCopyRange)
            {
                long inOff = off, outOff = off;
                n = CopyFileRange(src, &inOff, dst, &outOff, (nint)Math.Min(CopyChunk, end - off), 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is not (18 or 22 or 38 or 95 or 1)) throw ReadOrWriteError(errno, source, target); // EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EPERM
                    useCopyRange = false;
                }
            }
            if (!useCopyRange) n = ReadWriteAt(src, dst, off, (int)Math.Min(1 << 20, end - off), source, target);
            if (n == 0) break; // the file shrank: the caller notices
            off += n;
        }
        return off - start;
    }

    /// <summary>Copies only the data extents (SEEK_DATA/SEEK_HOLE), so holes stay holes.</summary>
    private static long CopySparse(int src, int dst, long size, string source, string target, CancellationToken cancel)
    {
        long copied = 0;
        long pos = 0;
        while (pos < size)
        {
            cancel.ThrowIfCancellationRequested();
            long data = LSeek(src, pos, SeekData);
            if (data < 0)
            {
                if (Marshal.GetLastPInvokeError() == 6) break; // ENXIO: no more data
                throw Error("Cannot read", source);
            }
            long hole = LSeek(src, data, SeekHole);
            if (hole < 0) throw Error("Cannot read", source);
            long n = CopyRange(src, dst, data, hole, source, target, cancel);
            copied += n;
            if (n < hole - data) return copied; // the file shrank: detected by the caller
            pos = hole;
        }
        return copied;
    }

    /// <summary>The plain copy, where copy_file_range cannot cross the two file systems.</summary>
    private static nint ReadWriteAt(int src, int dst, long offset, int count, string source, string target)
    {
        var buf = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            fixed (byte* b = buf)
            {
                nint n = PRead(src, b, count, offset);
                if (n < 0) throw Error("Cannot read", source);
                for (nint done = 0; done < n;)
                {
                    nint w = PWrite(dst, b + done, n - done, offset + done);
                    if (w < 0) throw Error("Cannot write", target);
                    done += w;
                }
                return n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>copy_file_range does not say which side failed; ENOSPC, EDQUOT and EFBIG are the writer's.</summary>
    private static PlatformIOException ReadOrWriteError(int errno, string source, string target) =>
        errno is 28 or 122 or 27 or 30 ? Error("Cannot write", target, errno) : Error("Cannot copy", source, errno);

    /// <summary>The metadata of a new file, through its handle: owner, mode, exactly the desired
    /// extended attributes, times. A new file gets an access ACL from its folder's default ACL (and
    /// a label from some security modules); what the item it stands for does not have goes first.</summary>
    private MetadataLoss SetMetadata(int fd, string path, FsEntry desired)
    {
        RemoveXattrsNotIn(null, fd, path, ReadXattrs(null, fd, path), desired.Xattrs ?? XattrSet.Empty);
        var loss = MetadataLoss.None;
        // A new file is ours already: chown only when the source belongs to someone else.
        if (CanPreserveOwner && (desired.Uid != ProcessUid || desired.Gid != _processGid))
        {
            if (FChown(fd, desired.Uid, desired.Gid) != 0) throw Error("Cannot set owner of", path);
        }
        if (FChmod(fd, desired.Mode) != 0)
        {
            if (Marshal.GetLastPInvokeError() is 1 or 95) loss |= MetadataLoss.Permissions;
            else throw Error("Cannot set permissions of", path);
        }
        if (desired.Xattrs is { IsEmpty: false } xattrs)
        {
            foreach (var (name, value) in xattrs.Items)
            {
                fixed (byte* n = Z(name))
                fixed (byte* v = value)
                {
                    if (FSetXattr(fd, n, v, value.Length, 0) != 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno is 95 or 1 or 13) { loss |= MetadataLoss.ExtendedAttributes; break; }
                        throw Error($"Cannot set extended attribute {name} of", path, errno);
                    }
                }
            }
        }
        var times = stackalloc Timespec[2];
        times[0] = new Timespec { Sec = 0, Nsec = UtimeOmit };
        times[1] = ToTimespec(desired.MTimeNs);
        if (FUtimens(fd, times) != 0) throw Error("Cannot set times of", path);
        return loss;
    }

    private static Timespec ToTimespec(long ns) => new()
    {
        Sec = Math.DivRem(ns, 1_000_000_000L, out long rem) - (rem < 0 ? 1 : 0),
        Nsec = rem < 0 ? rem + 1_000_000_000L : rem,
    };

    public MetadataLoss ApplyMetadata(string path, FsEntry desired, MetadataParts parts)
    {
        var loss = MetadataLoss.None;
        var z = Z(path);
        fixed (byte* p = z)
        {
            if ((parts & MetadataParts.Owner) != 0)
            {
                if (CanPreserveOwner)
                {
                    if (LChown(p, desired.Uid, desired.Gid) != 0) throw Error("Cannot set owner of", path);
                }
                else
                {
                    loss |= MetadataLoss.Owner;
                }
            }
            if ((parts & MetadataParts.Mode) != 0 && desired.Kind != ItemType.SymbolicLink)
            {
                if (Chmod(p, desired.Mode) != 0)
                {
                    if (Marshal.GetLastPInvokeError() is 1 or 95) loss |= MetadataLoss.Permissions;
                    else throw Error("Cannot set permissions of", path);
                }
            }
            if ((parts & MetadataParts.Xattrs) != 0 && desired.Kind is ItemType.File or ItemType.Directory)
            {
                loss |= ReplaceXattrs(p, path, desired.Xattrs ?? throw new InvalidOperationException("extended attributes to set were not read"));
            }
            if ((parts & MetadataParts.Times) != 0)
            {
                var times = stackalloc Timespec[2];
                times[0] = new Timespec { Sec = 0, Nsec = UtimeOmit };
                times[1] = ToTimespec(desired.MTimeNs);
                if (UtimensAt(AtFdCwd, p, times, AtSymlinkNoFollow) != 0) throw Error("Cannot set times of", path);
            }
        }
        return loss;
    }

    private MetadataLoss ReplaceXattrs(byte* p, string path, XattrSet desired)
    {
        XattrSet current;
        try { current = ReadXattrs(p, -1, path); }
        catch (PlatformIOException) { return desired.IsEmpty ? MetadataLoss.None : MetadataLoss.ExtendedAttributes; }
        RemoveXattrsNotIn(p, -1, path, current, desired);
        foreach (var (name, value) in desired.Items)
        {
            fixed (byte* n = Z(name))
            fixed (byte* v = value)
            {
                if (LSetXattr(p, n, v, value.Length, 0) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is 95 or 1 or 13) return MetadataLoss.ExtendedAttributes;
                    throw Error($"Cannot set extended attribute {name} of", path, errno);
                }
            }
        }
        return MetadataLoss.None;
    }

    /// <summary>Removes the attributes of <paramref name="current"/> that <paramref name="desired"/>
    /// lacks, by path (no link followed) or, with a null path, through <paramref name="fd"/>.</summary>
    private void RemoveXattrsNotIn(byte* path, int fd, string display, XattrSet current, XattrSet desired)
    {
        foreach (var (name, _) in current.Items)
        {
            if (desired.Items.Any(d => d.Key == name)) continue;
            fixed (byte* n = Z(name))
            {
                if ((path != null ? LRemoveXattr(path, n) : FRemoveXattr(fd, n)) != 0)
                    throw Error($"Cannot remove extended attribute {name} of", display);
            }
        }
    }

    public void CreateDirectory(string path)
    {
        fixed (byte* p = Z(path))
        {
            if (MkDir(p, 0x1C0) != 0) throw Error("Cannot create folder", path); // 0700 until its metadata is set
        }
    }

    public void CreateSymbolicLink(string path, string target)
    {
        fixed (byte* p = Z(path))
        fixed (byte* t = Z(target))
        {
            if (Symlink(t, p) != 0) throw Error("Cannot create link", path);
        }
    }

    public void CreateHardLink(string existingPath, string newPath)
    {
        fixed (byte* e = Z(existingPath))
        fixed (byte* n = Z(newPath))
        {
            if (Link(e, n) != 0) throw Error("Cannot create hard link", newPath);
        }
    }

    public void Rename(string from, string to)
    {
        fixed (byte* f = Z(from))
        fixed (byte* t = Z(to))
        {
            if (LinuxNative.Rename(f, t) != 0) throw Error("Cannot move", from + "' to '" + to);
        }
    }

    public void DeleteFile(string path)
    {
        fixed (byte* p = Z(path))
        {
            if (Unlink(p) != 0) throw Error("Cannot delete", path);
        }
    }

    public void DeleteDirectory(string path)
    {
        fixed (byte* p = Z(path))
        {
            if (RmDir(p) != 0) throw Error("Cannot delete folder", path);
        }
    }

    public void FlushDirectory(string path)
    {
        int fd;
        fixed (byte* p = Z(path)) fd = Open(p, ORdOnly | ODirectory | OCloExec, 0);
        if (fd < 0) throw Error("Cannot open folder", path);
        try
        {
            if (FSync(fd) != 0) throw Error("Cannot flush folder", path);
        }
        finally
        {
            Close(fd);
        }
    }

    public long GetAvailableBytes(string path)
    {
        StatVfs st;
        fixed (byte* p = Z(path))
        {
            if (StatVfsPath(p, &st) != 0) throw Error("Cannot read free space of", path);
        }
        return (long)(st.BAvail * st.FrSize);
    }

    /// <summary>statfs magic numbers of network and FUSE file systems.</summary>
    private static readonly HashSet<long> NetworkMagic = new()
    {
        0x6969, 0x517B, 0xFE534D42, 0xFF534D42, 0x65735546, 0x00C36400, 0x5346414F, 0x6B414653,
        0x73757245, 0x564C, 0x01021997, 0x01161970, 0x7461636F, 0x0BD00BD0,
    };

    public bool IsNetworkPath(string path)
    {
        long* buf = stackalloc long[16];
        fixed (byte* p = Z(path))
        {
            if (StatFs(p, buf) != 0) return true; // unknown: assume the careful answer
        }
        return NetworkMagic.Contains(buf[0] & 0xFFFFFFFF);
    }

    public string GetVolumeId(string path)
    {
        StatVfs st;
        fixed (byte* p = Z(path))
        {
            if (StatVfsPath(p, &st) != 0) return "";
        }
        return st.FsId == 0 ? "" : "fsid:" + st.FsId.ToString("x16");
    }

    public Stream OpenRead(string path)
    {
        int fd = OpenSource(path);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        return new FileStream(handle, FileAccess.Read, bufferSize: 0);
    }

    // Opened directly: .NET's own open would add flock calls and a seek to every restored file.
    public SafeFileHandle CreateNew(string path) => new(OpenNew(path), ownsHandle: true);

    /// <summary>A new regular file where nothing is (a link there is not followed), mode 0600.</summary>
    private static int OpenNew(string path)
    {
        int fd;
        fixed (byte* p = ZTemp(path)) fd = Open(p, OWrOnly | OCreat | OExcl | OCloExec | ONoFollow, 0x180);
        if (fd < 0) throw Error("Cannot create", path);
        return fd;
    }

    private static PlatformIOException Error(string operation, string path) =>
        Error(operation, path, Marshal.GetLastPInvokeError());

    internal static PlatformIOException Error(string operation, string path, int errno)
    {
        var failure = errno switch
        {
            2 => IOFailure.NotFound,
            1 or 13 or 30 => IOFailure.AccessDenied,
            28 or 122 => IOFailure.DiskFull,
            17 => IOFailure.AlreadyExists,
            39 => IOFailure.NotEmpty,
            18 => IOFailure.CrossDevice,
            38 or 95 => IOFailure.NotSupported,
            36 => IOFailure.NameTooLong,
            21 => IOFailure.IsDirectory,
            20 => IOFailure.NotDirectory,
            4 or 5 or 11 or 16 or 110 or 116 => IOFailure.Transient,
            _ => IOFailure.Other,
        };
        string detail = Marshal.PtrToStringUTF8(StrError(errno)) ?? $"error {errno}";
        return new PlatformIOException(operation, path, errno, failure, detail);
    }
}
