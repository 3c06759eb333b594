using System.Runtime.InteropServices;
using System.Text;

namespace PSClone.Tests.Support;

/// <summary>libc calls tests use to build trees (xattrs, FIFOs, owners, nanosecond times).</summary>
public static partial class Native
{
    [LibraryImport("libc.so.6", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattr(string path, string name, byte[] value, nint size, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattr(string path, string name, byte[]? value, nint size);

    [LibraryImport("libc.so.6", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc.so.6", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport("libc.so.6", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string path);

    public static void HardLink(string existing, string path)
    {
        if (Link(existing, path) != 0) throw new IOException($"link {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc.so.6", EntryPoint = "geteuid")]
    private static partial uint GetEUid();

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [LibraryImport("libc.so.6", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAt(int dirfd, string path, Timespec[] times, int flags);

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEUid() == 0;

    public static void SetXattr(string path, string name, string value) => SetXattr(path, name, Encoding.UTF8.GetBytes(value));

    public static void SetXattr(string path, string name, byte[] value)
    {
        if (LSetXattr(path, name, value, value.Length, 0) != 0)
            throw new IOException($"lsetxattr {path} {name}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Gives a folder a default ACL (as <c>setfacl -d -m u:UID:rwx</c>) whose named entry makes
    /// every item created in it get an access ACL (system.posix_acl_access) of its own.</summary>
    public static void SetDefaultAcl(string folder, uint uid)
    {
        const uint Undefined = uint.MaxValue;
        var entries = new (ushort Tag, ushort Perm, uint Id)[]
        {
            (0x01, 7, Undefined), (0x02, 7, uid), (0x04, 5, Undefined), (0x10, 7, Undefined), (0x20, 5, Undefined),
        };
        var acl = new byte[4 + 8 * entries.Length];
        BitConverter.TryWriteBytes(acl.AsSpan(0), 2u); // version 2, little-endian, as the kernel stores it
        for (int i = 0; i < entries.Length; i++)
        {
            var at = acl.AsSpan(4 + 8 * i);
            BitConverter.TryWriteBytes(at, entries[i].Tag);
            BitConverter.TryWriteBytes(at[2..], entries[i].Perm);
            BitConverter.TryWriteBytes(at[4..], entries[i].Id);
        }
        SetXattr(folder, "system.posix_acl_default", acl);
    }

    public static string? GetXattr(string path, string name)
    {
        nint n = LGetXattr(path, name, null, 0);
        if (n < 0) return null;
        var buf = new byte[n];
        n = LGetXattr(path, name, buf, n);
        return n < 0 ? null : Encoding.UTF8.GetString(buf, 0, (int)n);
    }

    public static void MakeFifo(string path)
    {
        if (MkFifo(path, 0x1A4) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0) throw new IOException($"lchown {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Sets the modification time with nanoseconds, without following links.</summary>
    public static void SetMTime(string path, long unixNs)
    {
        var times = new[]
        {
            new Timespec { Sec = 0, Nsec = (1L << 30) - 2 },
            new Timespec { Sec = Math.DivRem(unixNs, 1_000_000_000L, out long rem), Nsec = rem },
        };
        if (UtimensAt(-100, path, times, 0x100) != 0) throw new IOException($"utimensat {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    // ---- lstat with change times and inodes, and signals (end-to-end tests) ----

    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillCall(int pid, int signal);

    public static void Signal(int pid, int signal)
    {
        if (KillCall(pid, signal) != 0)
            throw new IOException($"kill({pid}, {signal}): errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>True when this process ignores the signal; children started from it inherit that.</summary>
    public static bool IgnoresSignal(int signal)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("SigIgn:", StringComparison.Ordinal)) continue;
            ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
            return (mask & (1UL << (signal - 1))) != 0;
        }
        return false;
    }
}
