using System.Runtime.InteropServices;

namespace PSClone.Platform;

/// <summary>libc entry points used by <see cref="LinuxFileSystem"/>. Structures use the Linux
/// layouts shared by x86-64 and arm64 (statx is architecture-independent by design).</summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;
    public const int AtSymlinkFollow = 0x400;
    public const uint StatxBasicStats = 0x7ff;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OCloExec = 0x80000;
    public const int ONoAtime = 0x40000;
    public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
    public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    /// <summary>O_TMPFILE is __O_TMPFILE (020000000) with O_DIRECTORY.</summary>
    public static readonly int OTmpFile = 0x400000 | ODirectory;

    public const int SeekData = 3;
    public const int SeekHole = 4;

    public const uint SIfMt = 0xF000;
    public const uint SIfSock = 0xC000;
    public const uint SIfLnk = 0xA000;
    public const uint SIfReg = 0x8000;
    public const uint SIfBlk = 0x6000;
    public const uint SIfDir = 0x4000;
    public const uint SIfChr = 0x2000;
    public const uint SIfIfo = 0x1000;

    public const long UtimeOmit = (1L << 30) - 2;

    public const byte DtDir = 4;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(16)] public uint NLink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(64)] public long ATimeSec;
        [FieldOffset(72)] public uint ATimeNsec;
        [FieldOffset(96)] public long CTimeSec;
        [FieldOffset(104)] public uint CTimeNsec;
        [FieldOffset(112)] public long MTimeSec;
        [FieldOffset(120)] public uint MTimeNsec;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [StructLayout(LayoutKind.Explicit, Size = 112)]
    public struct StatVfs
    {
        [FieldOffset(0)] public ulong BSize;
        [FieldOffset(8)] public ulong FrSize;
        [FieldOffset(16)] public ulong Blocks;
        [FieldOffset(24)] public ulong BFree;
        [FieldOffset(32)] public ulong BAvail;
        [FieldOffset(64)] public ulong FsId;
    }

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    public static partial int StatxAt(int dirfd, byte* path, int flags, uint mask, Statx* buf);

    [LibraryImport(Libc, EntryPoint = "opendir", SetLastError = true)]
    public static partial nint OpenDir(byte* path);

    [LibraryImport(Libc, EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(nint dir);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* path, byte* buf, nint size);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, uint mode);

    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int MapPrivate = 2;
    public const int MapAnonymous = 0x20;
    public static readonly nint MapFailed = -1;

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport(Libc, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buf, nint count, long offset);

    [LibraryImport(Libc, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buf, nint count, long offset);

    [LibraryImport(Libc, EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(int fdIn, long* offIn, int fdOut, long* offOut, nint len, uint flags);

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int FChmod(int fd, uint mode);

    [LibraryImport(Libc, EntryPoint = "fchown", SetLastError = true)]
    public static partial int FChown(int fd, uint uid, uint gid);

    [LibraryImport(Libc, EntryPoint = "futimens", SetLastError = true)]
    public static partial int FUtimens(int fd, Timespec* times);

    [LibraryImport(Libc, EntryPoint = "chmod", SetLastError = true)]
    public static partial int Chmod(byte* path, uint mode);

    [LibraryImport(Libc, EntryPoint = "lchown", SetLastError = true)]
    public static partial int LChown(byte* path, uint uid, uint gid);

    [LibraryImport(Libc, EntryPoint = "utimensat", SetLastError = true)]
    public static partial int UtimensAt(int dirfd, byte* path, Timespec* times, int flags);

    [LibraryImport(Libc, EntryPoint = "mkdir", SetLastError = true)]
    public static partial int MkDir(byte* path, uint mode);

    [LibraryImport(Libc, EntryPoint = "rmdir", SetLastError = true)]
    public static partial int RmDir(byte* path);

    [LibraryImport(Libc, EntryPoint = "unlink", SetLastError = true)]
    public static partial int Unlink(byte* path);

    [LibraryImport(Libc, EntryPoint = "rename", SetLastError = true)]
    public static partial int Rename(byte* from, byte* to);

    [LibraryImport(Libc, EntryPoint = "symlink", SetLastError = true)]
    public static partial int Symlink(byte* target, byte* path);

    [LibraryImport(Libc, EntryPoint = "link", SetLastError = true)]
    public static partial int Link(byte* existing, byte* path);

    [LibraryImport(Libc, EntryPoint = "llistxattr", SetLastError = true)]
    public static partial nint LListXattr(byte* path, byte* list, nint size);

    [LibraryImport(Libc, EntryPoint = "lgetxattr", SetLastError = true)]
    public static partial nint LGetXattr(byte* path, byte* name, byte* value, nint size);

    [LibraryImport(Libc, EntryPoint = "lsetxattr", SetLastError = true)]
    public static partial int LSetXattr(byte* path, byte* name, byte* value, nint size, int flags);

    [LibraryImport(Libc, EntryPoint = "lremovexattr", SetLastError = true)]
    public static partial int LRemoveXattr(byte* path, byte* name);

    [LibraryImport(Libc, EntryPoint = "fremovexattr", SetLastError = true)]
    public static partial int FRemoveXattr(int fd, byte* name);

    [LibraryImport(Libc, EntryPoint = "flistxattr", SetLastError = true)]
    public static partial nint FListXattr(int fd, byte* list, nint size);

    [LibraryImport(Libc, EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint FGetXattr(int fd, byte* name, byte* value, nint size);

    [LibraryImport(Libc, EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int FSetXattr(int fd, byte* name, byte* value, nint size, int flags);

    [LibraryImport(Libc, EntryPoint = "statvfs", SetLastError = true)]
    public static partial int StatVfsPath(byte* path, StatVfs* buf);

    [LibraryImport(Libc, EntryPoint = "statfs", SetLastError = true)]
    public static partial int StatFs(byte* path, long* buf);

    [LibraryImport(Libc, EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    [LibraryImport(Libc, EntryPoint = "getegid")]
    public static partial uint GetEGid();

    [LibraryImport(Libc, EntryPoint = "linkat", SetLastError = true)]
    public static partial int LinkAt(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport(Libc, EntryPoint = "strerror")]
    public static partial nint StrError(int errnum);

    /// <summary>Resolves "libc" to glibc's soname (the plain libc.so is a linker script on
    /// machines with development headers), falling back to the runtime's own probing.</summary>
    public static void RegisterResolver()
    {
        NativeLibrary.SetDllImportResolver(typeof(LinuxNative).Assembly, static (name, assembly, searchPath) =>
        {
            if (name != Libc) return 0;
            foreach (var candidate in new[] { "libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1" })
            {
                if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
            }
            return 0;
        });
    }
}
