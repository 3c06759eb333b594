using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PSClone.Platform;

/// <summary>Where an open file's data is (holes of sparse files), punching holes to give space
/// back, starting the write-back of a written range, and the size of block devices. Linux uses
/// lseek/fallocate/sync_file_range; elsewhere a file is one data run, holes are not punched and
/// write-back is left to the system.</summary>
internal static partial class FileRegions
{
    private const int SeekEnd = 2;
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int FallocKeepSize = 1;
    private const int FallocPunchHole = 2;

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FAllocate(int fd, int mode, long offset, long length);

    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    static FileRegions()
    {
        // LinuxFileSystem registers the "libc" resolver for this assembly (once per assembly is allowed).
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(LinuxFileSystem).TypeHandle);
    }

    /// <summary>The data runs (start, length) of a file of <paramref name="size"/> bytes, in order;
    /// the gaps between them are holes.</summary>
    public static List<(long Start, long Length)> DataRuns(SafeFileHandle handle, long size)
    {
        var runs = new List<(long, long)>();
        if (size == 0) return runs;
        if (!OperatingSystem.IsLinux())
        {
            runs.Add((0, size));
            return runs;
        }
        int fd = (int)handle.DangerousGetHandle();
        long pos = 0;
        while (pos < size)
        {
            long data = LSeek(fd, pos, SeekData);
            if (data < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == 6) break; // ENXIO: only a hole is left
                if (pos == 0)
                {
                    runs.Add((0, size)); // no SEEK_DATA on this file system
                    return runs;
                }
                throw LinuxFileSystem.Error("Cannot read", "(open file)", errno);
            }
            if (data >= size) break;
            long hole = LSeek(fd, data, SeekHole);
            if (hole < 0) throw LinuxFileSystem.Error("Cannot read", "(open file)", Marshal.GetLastPInvokeError());
            hole = Math.Min(hole, size);
            runs.Add((data, hole - data));
            pos = hole;
        }
        return runs;
    }

    /// <summary>Frees the disk blocks of a byte range (it then reads as zeros); false where not supported.</summary>
    public static bool PunchHole(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return false;
        return FAllocate((int)handle.DangerousGetHandle(), FallocPunchHole | FallocKeepSize, offset, length) == 0;
    }

    /// <summary>Starts writing a range's dirty pages to disk and returns at once (it does not wait
    /// for the disk, and it is no substitute for a flush: a commit still flushes). Without it the
    /// kernel holds a large write in memory until a tenth of RAM is dirty or 30 s have passed, so
    /// the commit's flush waits for all of it; started as each part is finished, the writing
    /// overlaps the work still to do. False where not supported (then nothing changes).</summary>
    public static bool StartWriteback(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return false;
        return SyncFileRange((int)handle.DangerousGetHandle(), offset, length, SyncFileRangeWrite) == 0;
    }

    /// <summary>The size of a block device or regular file, by seeking to its end.</summary>
    public static long SizeBySeeking(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return RandomAccess.GetLength(handle);
        long end = LSeek((int)handle.DangerousGetHandle(), 0, SeekEnd);
        if (end < 0) throw LinuxFileSystem.Error("Cannot measure", "(open device)", Marshal.GetLastPInvokeError());
        return end;
    }
}
