using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using PSClone.Platform;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>Write-back of a finished range: the binding really reaches sync_file_range on Linux
/// (a file succeeds, a pipe is refused by the kernel), and is a no-op elsewhere.</summary>
public sealed class FileRegionsTests : IDisposable
{
    private readonly TempDir _dir = new("regions");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void StartWriteback_OfAWrittenRange_SucceedsOnLinux()
    {
        string path = _dir["data.bin"];
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        var bytes = new byte[1 << 20];
        Random.Shared.NextBytes(bytes);
        RandomAccess.Write(handle, bytes, 4096);

        Assert.Equal(OperatingSystem.IsLinux(), FileRegions.StartWriteback(handle, 4096, bytes.Length));
        Assert.False(FileRegions.StartWriteback(handle, 0, 0));
        Assert.Equal(bytes, File.ReadAllBytes(path).AsSpan(4096).ToArray());
    }

    [Fact]
    public void StartWriteback_OfAPipe_IsRefused()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var handle = new SafeFileHandle(pipe.SafePipeHandle.DangerousGetHandle(), ownsHandle: false);

        Assert.False(FileRegions.StartWriteback(handle, 0, 4096));
    }
}
