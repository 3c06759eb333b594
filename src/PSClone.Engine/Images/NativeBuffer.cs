using System.Runtime.InteropServices;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>A data buffer outside the managed heap (a chunk, a read window, a record), whose memory
/// goes back to the system the moment it is freed. Large managed arrays are only reclaimed by a
/// full collection, and the runtime keeps freed heap memory committed for a while, so a backup's
/// buffers, which come and go at hundreds of MB/s, held tens of MB more than were in use.
/// On Linux each buffer is its own anonymous mapping; elsewhere it comes from the C heap.</summary>
internal sealed unsafe class NativeBuffer
{
    private byte* _pointer;

    private NativeBuffer(byte* pointer, int length)
    {
        _pointer = pointer;
        Length = length;
    }

    public int Length { get; }

    public Span<byte> Span => _pointer is not null ? new(_pointer, Length) : throw new ObjectDisposedException(nameof(NativeBuffer));

    public Span<byte> AsSpan(int start, int length) => Span.Slice(start, length);

    public static NativeBuffer Allocate(int length)
    {
        if (!OperatingSystem.IsLinux()) return new((byte*)NativeMemory.Alloc((nuint)length), length);
        nint p = LinuxNative.Mmap(0, (nuint)length, LinuxNative.ProtRead | LinuxNative.ProtWrite, LinuxNative.MapPrivate | LinuxNative.MapAnonymous, -1, 0);
        if (p == LinuxNative.MapFailed) throw new OutOfMemoryException($"No memory for a buffer of {length} bytes (mmap: errno {Marshal.GetLastPInvokeError()}).");
        return new((byte*)p, length);
    }

    public void Free()
    {
        var p = _pointer;
        if (p is null) return;
        _pointer = null;
        if (OperatingSystem.IsLinux()) LinuxNative.Munmap((nint)p, (nuint)Length);
        else NativeMemory.Free(p);
    }
}
