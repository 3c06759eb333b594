using System.Security.Cryptography;
using PSClone.Cloning;
using PSClone.Images;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>Record codec 2 (zstd, format 2.0) and images of format 1.0, which stay readable and
/// writable and never get a record of codec 2.</summary>
public sealed class ImageCodecTests : IDisposable
{
    private readonly TempDir _dir = new("codec");

    public void Dispose() => _dir.Dispose();

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private static (int Major, byte ManifestCodec, IndexEntry[] Entries) Inspect(string image, ImageEncryption encryption)
    {
        using var pass = ImageKit.PassFor(encryption);
        using var opened = BackupImage.Open(image, pass, writable: false);
        return (opened.Head.Major, opened.Manifest.Config.Compression.Codec, opened.Index.All());
    }

    /// <summary>Text and binary-like files of 100-400 KB, small files, and files under 64 bytes (stored).</summary>
    private static void Source(string root)
    {
        var rng = new Random(3);
        var tree = new TreeBuilder(root);
        string[] words = { "alpha", "beta", "gamma", "delta", "image", "chunk", "restore", "\n" };
        tree.File("notes.txt", string.Concat(Enumerable.Range(0, 60_000).Select(_ => words[rng.Next(words.Length)] + " ")));
        var binary = new byte[300_000];
        for (int i = 0; i < binary.Length; i++) binary[i] = (byte)(rng.Next(4) == 0 ? rng.Next(96) : 0);
        tree.File("data/table.db", binary);
        for (int i = 0; i < 20; i++) tree.File($"small/{i}.txt", $"small file {i} " + new string('x', i * 100));
        tree.File("tiny.txt", "under 64 bytes");
    }

    [Theory]
    [InlineData(ImageEncryption.None)]
    [InlineData(ImageEncryption.Aes256)]
    public void NewImages_StoreDataWithZstd_AndRestoreItExactly(ImageEncryption encryption)
    {
        string src = _dir["src"], image = _dir["z.psimg"];
        Source(src);
        ImageKit.Create(image, ImageLayout.SingleFile, encryption, chunkSize: 128 << 10, packSize: 1 << 20);
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(src, image, encryption).Status);

        var (major, codec, entries) = Inspect(image, encryption);
        Assert.Equal(2, major);
        Assert.Equal(2, codec);
        var data = entries.Where(e => e.Kind == BlobKind.Data).ToList();
        Assert.Contains(data, e => e.Codec == 2 && e.RawLength >= CompressionSettings.SmallRecord);
        Assert.Contains(data, e => e.Codec == 2 && e.RawLength < CompressionSettings.SmallRecord);
        Assert.All(data, e => Assert.Equal(e.RawLength < CompressionSettings.TinyRecord ? 0 : 2, e.Codec));
        Assert.DoesNotContain(entries, e => e.Kind != BlobKind.Data && e.Codec == 2); // listings stay Brotli

        Assert.True(ImageKit.Verify(image, readData: true, encryption).Intact);
        Assert.Equal(CloneStatus.Success, ImageKit.Restore(image, _dir["out"], encryption: encryption).Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(_dir["out"])));
    }

    [Theory]
    [InlineData("format1.psimg", ImageEncryption.None)]
    [InlineData("format1-aes256.psimg", ImageEncryption.Aes256)]
    public void Format1Images_AreRead_Verified_AndWrittenWithoutCodec2(string fixture, ImageEncryption encryption)
    {
        string image = _dir[fixture];
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture), image);
        var made = Inspect(image, encryption);
        Assert.Equal((1, (byte)1), (made.Major, made.ManifestCodec));

        // What format 1 wrote reads back exactly (see Fixtures/README.md).
        Assert.True(ImageKit.Verify(image, readData: true, encryption).Intact);
        string old = _dir["old"];
        Assert.Equal(CloneStatus.Success, ImageKit.Restore(image, old, encryption: encryption).Status);
        Assert.Equal("alpha\n", File.ReadAllText(Path.Combine(old, "a.txt")));
        Assert.Equal("8456b3d27dcc97d22cc851604a7ebc93c50ca13e2c1fcd2f5b5253d5f9f134ac", Sha(Path.Combine(old, "docs/b.md")));
        Assert.Equal("87318bc47122b8ac4082576329e9f3db22605efaeb2ce77b4a45f96698376730", Sha(Path.Combine(old, "big.txt")));
        Assert.Equal("2cac0eddc82232b1f1c5b59db11781b6456e4e74272575b0d0ce9e7bca77f933", Sha(Path.Combine(old, "bin.dat")));
        Assert.Equal("a.txt", new FileInfo(Path.Combine(old, "link")).LinkTarget);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(old, "big.txt")));

        // A backup into it keeps format 1: its data goes to Brotli, as format 1 says.
        string src = _dir["src"];
        Source(src);
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(src, image, encryption, adjust: r => r with { Force = true }).Status);
        var (major, codec, entries) = Inspect(image, encryption);
        Assert.Equal(1, major);
        Assert.Equal(1, codec);
        Assert.DoesNotContain(entries, e => e.Codec == 2);
        Assert.True(ImageKit.Verify(image, readData: true, encryption).Intact);
        Assert.Equal(CloneStatus.Success, ImageKit.Restore(image, _dir["new"], encryption: encryption).Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(_dir["new"])));
    }
}
