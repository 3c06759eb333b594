using PSClone.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PSClone.Tests.Images;

/// <summary>Single flipped bytes anywhere in an image: verification finds every one, and every file
/// verification does not name restores exactly.</summary>
public sealed class ImageDamageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("damage");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(ImageLayout.SingleFile, ImageEncryption.Aes256, 1)]
    [InlineData(ImageLayout.SingleFile, ImageEncryption.None, 2)]
    [InlineData(ImageLayout.Bundle, ImageEncryption.Aes128, 3)]
    [InlineData(ImageLayout.Bundle, ImageEncryption.None, 4)]
    public void EveryFlippedByte_IsDetected_AndUndamagedFilesStillRestore(ImageLayout layout, ImageEncryption encryption, int seed)
    {
        string src = _dir["src"];
        var tree = TreeBuilder.Sample(src);
        var random = new Random(seed);
        for (int i = 0; i < 12; i++)
        {
            var bytes = new byte[random.Next(1, 90_000)];
            random.NextBytes(bytes);
            if (i % 3 == 0) Array.Fill(bytes, (byte)'t', 0, bytes.Length / 2); // partly compressible
            tree.File($"d{i % 4}/file{i}.bin", bytes);
        }
        string image = _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];
        ImageKit.Create(image, layout, encryption);
        ImageKit.Backup(src, image, encryption);
        tree.File("d1/changed.txt", "second snapshot");
        ImageKit.Backup(src, image, encryption);
        var expected = TreeState.Read(src);
        Assert.True(ImageKit.Verify(image, true, encryption).Intact);

        string pristine = _dir["pristine"];
        CopyImage(image, pristine);
        var files = ImageKit.Files(image);
        long total = files.Sum(f => new FileInfo(f).Length);
        // Offsets: both head copies, every file's start, and a spread over everything.
        var targets = new List<(string File, long Offset)>();
        foreach (var f in files) targets.Add((f, 0));
        if (layout == ImageLayout.SingleFile) { targets.Add((image, 4096 + 100)); targets.Add((image, 4064)); targets.Add((image, 8192 + 40)); }
        else { targets.Add((files.First(f => f.EndsWith("psimg", StringComparison.Ordinal)), 4096 + 200)); }
        // Metadata (trees, index, manifest and their mirrors) is small; aim at it on purpose too.
        foreach (var f in files.Where(f => new FileInfo(f).Length < 64 << 10))
            for (int i = 0; i < 3; i++) targets.Add((f, random.NextInt64(new FileInfo(f).Length)));
        if (layout == ImageLayout.SingleFile)
            for (int i = 0; i < 12; i++) targets.Add((image, total - 1 - random.NextInt64(Math.Min(total - 8192, 24 << 10))));
        for (int i = 0; i < 50; i++)
        {
            long at = (long)(random.NextDouble() * total);
            foreach (var f in files)
            {
                long len = new FileInfo(f).Length;
                if (at < len) { targets.Add((f, at)); break; }
                at -= len;
            }
        }

        int metadataHits = 0;
        foreach (var (file, offset) in targets)
        {
            RestoreImage(pristine, image);
            Flip(file, offset, (byte)(1 << random.Next(8)));
            var events = new RecordingEvents();
            var result = ImageKit.Verify(image, readData: true, encryption, events);
            Assert.False(result.Intact, $"a flipped byte at {Path.GetFileName(file)}+{offset} was not detected");
            var named = events.Items.OfType<ImageVerifyFinding>().Where(f => f.Problem == ImageProblem.FileDamaged).Select(f => f.Path!).ToHashSet();
            if (named.Count == 0) metadataHits++;

            string target = _dir["restore"];
            TempDir.ForceDelete(target);
            var restore = ImageKit.Restore(image, target, encryption: encryption);
            var actual = TreeState.Read(target);
            foreach (var (path, state) in expected.Items)
            {
                if (named.Contains(path)) continue;
                Assert.True(actual.Items.TryGetValue(path, out var got), $"'{path}' was not restored after a flip at {Path.GetFileName(file)}+{offset}");
                Assert.Equal(state.Describe(), got.Describe());
            }
            Assert.True(restore.ItemsFailed <= named.Count, $"restore failed {restore.ItemsFailed} items, verify named {named.Count}");
        }
        output.WriteLine($"{targets.Count} flips, {metadataHits} of them in metadata or unused space (nothing lost)");
    }

    private static void Flip(string file, long offset, byte mask)
    {
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = offset;
        int b = fs.ReadByte();
        fs.Position = offset;
        fs.WriteByte((byte)(b ^ mask));
    }

    private static void CopyImage(string from, string to)
    {
        if (File.Exists(from)) File.Copy(from, to, overwrite: true);
        else
        {
            foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                string dest = Path.Combine(to, Path.GetRelativePath(from, f));
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(f, dest, overwrite: true);
            }
        }
    }

    private static void RestoreImage(string pristine, string image)
    {
        if (File.Exists(pristine)) File.Copy(pristine, image, overwrite: true);
        else
        {
            TempDir.ForceDelete(image);
            CopyImage(pristine, image);
        }
    }
}
