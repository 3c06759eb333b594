using System.Security.Cryptography;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>Files big enough to be copied in parallel parts (128 MiB and up).</summary>
public sealed class LargeFileTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempDir _dir = new("largefile");

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes <paramref name="mebibytes"/> of distinct pseudo-random data: every part of the
    /// file differs, so a part copied to the wrong offset is caught.</summary>
    private static void WriteDistinct(string path, int mebibytes, int seed)
    {
        var block = new byte[MiB];
        var random = new Random(seed);
        using var file = File.Create(path);
        for (int i = 0; i < mebibytes; i++)
        {
            random.NextBytes(block);
            BitConverter.TryWriteBytes(block.AsSpan(0, 4), i);
            file.Write(block);
        }
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    [Fact]
    public void LargeFile_IsCopiedInParts_ByteForByte_AndAgainWhenItChanges()
    {
        string src = _dir["src"], dst = _dir["dst"];
        Directory.CreateDirectory(src);
        string big = Path.Combine(src, "big.bin");
        WriteDistinct(big, 300, 1); // 300 MiB: five parts of 60 MiB, not a multiple of the part size
        using (var tail = new FileStream(big, FileMode.Append)) tail.Write(new byte[] { 1, 2, 3 });

        var first = CloneEngineTests.Clone(src, dst);
        Assert.Equal(CloneStatus.Success, first.Status);
        Assert.Equal(Hash(big), Hash(Path.Combine(dst, "big.bin")));
        Assert.Equal(new FileInfo(big).Length, new FileInfo(Path.Combine(dst, "big.bin")).Length);

        WriteDistinct(big, 200, 2); // shrinks and changes
        File.SetLastWriteTimeUtc(big, DateTime.UtcNow.AddMinutes(1));
        var second = CloneEngineTests.Clone(src, dst);
        Assert.Equal(CloneStatus.Success, second.Status);
        Assert.Equal(Hash(big), Hash(Path.Combine(dst, "big.bin")));
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
    }

    [Fact]
    public void LargeSparseFile_KeepsItsHoles_AndItsData()
    {
        string src = _dir["src"], dst = _dir["dst"];
        Directory.CreateDirectory(src);
        string sparse = Path.Combine(src, "disk.img");
        using (var file = File.Create(sparse))
        {
            var data = new byte[4 * MiB];
            new Random(3).NextBytes(data);
            foreach (long at in new long[] { 0, 150L * MiB, 400L * MiB - data.Length })
            {
                file.Position = at;
                file.Write(data);
            }
        }

        var result = CloneEngineTests.Clone(src, dst);
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal(Hash(sparse), Hash(Path.Combine(dst, "disk.img")));
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
        Assert.True(TreeState.Read(dst).Items["disk.img"].Sparse, "the holes stay holes");
    }

    [RootFact]
    public void LargeFile_OnAFullDisk_FailsAsDestinationFull_WithNoTornFile()
    {
        string src = _dir["src"];
        Directory.CreateDirectory(src);
        WriteDistinct(Path.Combine(src, "big.bin"), 160, 4);
        using var disk = new SmallDisk(_dir["disk"], 100);
        string dst = Path.Combine(disk.Path, "clone");

        var events = new RecordingEvents();
        var result = CloneEngineTests.Clone(src, dst, events);

        Assert.Equal(CloneStatus.Failed, result.Status);
        var error = events.Errors.Single(e => e.ErrorId == "DestinationFull");
        Assert.Equal(FailureKind.QuotaExceeded, error.Kind);
        Assert.False(File.Exists(Path.Combine(dst, "big.bin")), "no partial file under the real name");
        Assert.Empty(Directory.EnumerateFiles(dst, ".psclone-*.tmp", SearchOption.AllDirectories));
    }
}
