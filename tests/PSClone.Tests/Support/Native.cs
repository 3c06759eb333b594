using System.Runtime.InteropServices;

namespace PSClone.Tests.Support;

/// <summary>The few libc calls the end-to-end tests need: lstat with nanoseconds, change time and
/// inode (a snapshot that notices any write, even one that restores the old content and mtime),
/// and sending signals to a running CLI.</summary>
public static class Native
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>struct statx (linux/stat.h), only the fields read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatX
    {
        [FieldOffset(16)] public uint NLink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CTimeSec;
        [FieldOffset(104)] public uint CTimeNsec;
        [FieldOffset(112)] public long MTimeSec;
        [FieldOffset(120)] public uint MTimeNsec;

        public readonly long MTimeNs => MTimeSec * 1_000_000_000L + MTimeNsec;
        public readonly long CTimeNs => CTimeSec * 1_000_000_000L + CTimeNsec;
        public readonly uint FileType => Mode & 0xF000u;
        public readonly uint Permissions => Mode & 0xFFFu;
    }

    public const uint TypeDirectory = 0x4000;
    public const uint TypeFile = 0x8000;
    public const uint TypeSymlink = 0xA000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatXCall(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatX buffer);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillCall(int pid, int signal);

    /// <summary>lstat: the item itself, never what a link points to.</summary>
    public static StatX LStat(string path)
    {
        if (StatXCall(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var buffer) != 0)
            throw new IOException($"statx {path}: errno {Marshal.GetLastPInvokeError()}");
        return buffer;
    }

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
