using PSClone.Cloning;
using PSClone.Platform;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

public sealed class ImageRoundTripTests : IDisposable
{
    private readonly TempDir _dir = new("image");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    public static TheoryData<ImageLayout, ImageEncryption> Variants()
    {
        var data = new TheoryData<ImageLayout, ImageEncryption>();
        foreach (var layout in new[] { ImageLayout.SingleFile, ImageLayout.Bundle })
        foreach (var enc in new[] { ImageEncryption.None, ImageEncryption.Aes128, ImageEncryption.Aes256 })
            data.Add(layout, enc);
        return data;
    }

    private string ImagePath(ImageLayout layout) => _dir[layout == ImageLayout.Bundle ? "img.psimgbundle" : "img.psimg"];

    [Fact]
    public void RestoreIntoAFolderWithADefaultAcl_GivesTheItemsOnlyTheirOwnAttributes()
    {
        var tree = new TreeBuilder(Src);
        tree.File("a.txt", "a").File("d/b.txt", "b").Xattr("d/b.txt", "user.k", "v");
        string image = ImagePath(ImageLayout.SingleFile);
        ImageKit.Create(image, ImageLayout.SingleFile, ImageEncryption.None);
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(Src, image, ImageEncryption.None).Status);
        string target = _dir["out"];
        Directory.CreateDirectory(target);
        Native.SetDefaultAcl(target, 4321);
        File.WriteAllText(Path.Combine(target, "probe"), ""); // the folder really hands an ACL on
        Assert.NotNull(Native.GetXattr(Path.Combine(target, "probe"), "system.posix_acl_access"));
        File.Delete(Path.Combine(target, "probe"));

        Assert.Equal(CloneStatus.Success, ImageKit.Restore(image, target).Status); // unnamed files, linked
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(target)));

        // --force writes under a temp name and renames over what is there.
        Native.SetDefaultAcl(Path.Combine(target, "d"), 4321);
        using var none = ImageKit.PassFor(ImageEncryption.None);
        var forced = new PSClone.Images.ImageManager().Restore(new ImageRestoreRequest { Image = image, Target = target, Force = true },
            none, new RecordingEvents(), CancellationToken.None);
        Assert.Equal(CloneStatus.Success, forced.Status);
        Assert.Null(Native.GetXattr(Path.Combine(target, "d/b.txt"), "system.posix_acl_access"));
        Assert.Equal("v", Native.GetXattr(Path.Combine(target, "d/b.txt"), "user.k"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Restore_EqualsTheSource_InContentAndAllMetadata(ImageLayout layout, ImageEncryption encryption)
    {
        var tree = TreeBuilder.Sample(Src);
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        tree.File("data/big.bin", big).Stamp("data");
        string image = ImagePath(layout);
        ImageKit.Create(image, layout, encryption);

        var events = new RecordingEvents();
        var result = ImageKit.Backup(Src, image, encryption, events);
        Assert.True(result.Status == CloneStatus.Success, string.Join("; ", result.ErrorMessages.Concat(events.Warnings)));
        Assert.NotNull(result.SnapshotId);

        var restore = ImageKit.Restore(image, _dir["out"], encryption: encryption);
        Assert.Equal(CloneStatus.Success, restore.Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(_dir["out"])));
        var restored = TreeState.Read(_dir["out"]);
        Assert.True(restored.Items["sparse.bin"].Sparse, "the sparse file is restored sparse");
        Assert.Equal(restored.Items["a.txt"].LinkGroup, restored.Items["docs/a-hardlink"].LinkGroup);
        Assert.NotEqual(0, restored.Items["a.txt"].LinkGroup);
    }
}

public sealed class ImageSnapshotTests : IDisposable
{
    private readonly TempDir _dir = new("snap");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(ImageLayout.SingleFile)]
    [InlineData(ImageLayout.Bundle)]
    public void SeveralSnapshots_EachRestoresToItsOwnState(ImageLayout layout)
    {
        string image = _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];
        ImageKit.Create(image, layout, ImageEncryption.Aes256);
        var tree = TreeBuilder.Sample(Src);
        var states = new List<TreeState>();
        var ids = new List<string>();

        ids.Add(ImageKit.Backup(Src, image, ImageEncryption.Aes256).SnapshotId!);
        states.Add(TreeState.Read(Src));

        tree.File("docs/report.docx", "report v2, longer").Delete("docs/deep").File("new/one.txt", "new file").Delete("link-to-a").File("link-to-a", "was a link");
        File.SetUnixFileMode(tree.Full("bin/tool"), (UnixFileMode)0x1C0);
        tree.Stamp("docs");
        ids.Add(ImageKit.Backup(Src, image, ImageEncryption.Aes256).SnapshotId!);
        states.Add(TreeState.Read(Src));

        var big = new byte[200_000];
        new Random(3).NextBytes(big);
        tree.File("new/big.bin", big).Delete("Données").Xattr("a.txt", "user.color", "red");
        ids.Add(ImageKit.Backup(Src, image, ImageEncryption.Aes256).SnapshotId!);
        states.Add(TreeState.Read(Src));

        var listed = ImageKit.Snapshots(image, ImageEncryption.Aes256);
        Assert.Equal(ids, listed.Select(s => s.Id).ToList());
        Assert.Equal(listed.Select(s => s.Time).OrderBy(t => t).ToList(), listed.Select(s => s.Time).ToList());
        Assert.Equal(ids[0], listed[1].ParentId);
        for (int i = 0; i < ids.Count; i++)
        {
            string target = _dir["out" + i];
            var result = ImageKit.Restore(image, target, ids[i], ImageEncryption.Aes256);
            Assert.Equal(CloneStatus.Success, result.Status);
            Assert.Equal("", TreeState.Diff(states[i], TreeState.Read(target)));
        }
        Assert.True(ImageKit.Verify(image, readData: true, ImageEncryption.Aes256).Intact);
    }

    [Theory]
    [InlineData(ImageLayout.SingleFile)]
    [InlineData(ImageLayout.Bundle)]
    public void NoOpBackup_ReadsNothingAndAddsAlmostNothing(ImageLayout layout)
    {
        string image = _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];
        ImageKit.Create(image, layout, ImageEncryption.Aes256);
        var tree = TreeBuilder.Sample(Src);
        for (int i = 0; i < 200; i++) tree.File($"many/f{i:000}.txt", $"file number {i} " + new string('x', i * 10));
        ImageKit.Backup(Src, image, ImageEncryption.Aes256);
        long before = ImageKit.Bytes(image);

        var events = new RecordingEvents();
        var result = ImageKit.Backup(Src, image, ImageEncryption.Aes256, events);

        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Empty(events.CloneItems);
        Assert.Equal(0, result.BytesCopied);
        long added = ImageKit.Bytes(image) - before;
        // One new manifest (and its mirror) replaces the old one; nothing else is written.
        Assert.True(added < 4096, $"a no-op backup added {added} bytes");
        var snapshots = ImageKit.Snapshots(image, ImageEncryption.Aes256);
        Assert.Equal(2, snapshots.Count);
        Assert.Equal(0, snapshots[1].AddedChunks);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), Restored(image, snapshots[1].Id)));
    }

    [Fact]
    public void ExtendedAttributes_AreReadOnlyForItemsChangedSinceTheParentsRun()
    {
        string image = _dir["x.psimg"];
        ImageKit.Create(image, ImageLayout.SingleFile, ImageEncryption.Aes256);
        var tree = new TreeBuilder(Src);
        for (int i = 0; i < 50; i++) tree.File($"d/{i}.txt", $"{i}").Xattr($"d/{i}.txt", "user.n", $"{i}");
        tree.Xattr("d", "user.folder", "one").Stamp("d");
        Thread.Sleep(20); // keep the tree's status changes clear of the run's start (margin 0 below)
        CloneEngine Engine(InstrumentedFileSystem fs) => new(fs) { XattrClockMargin = TimeSpan.Zero };
        var first = new InstrumentedFileSystem(new LinuxFileSystem());
        ImageKit.Backup(Src, image, ImageEncryption.Aes256, engine: Engine(first));
        Assert.True(first.Count(nameof(IFileSystem.ReadXattrs)) >= 52, "the first snapshot reads every item's extended attributes");
        var firstState = TreeState.Read(Src);
        Thread.Sleep(20);
        tree.Xattr("d/7.txt", "user.n", "seven").Xattr("d", "user.folder", "two"); // change no time but the status-change time

        var read = new System.Collections.Concurrent.ConcurrentBag<string>();
        var second = new InstrumentedFileSystem(new LinuxFileSystem());
        second.Fault = (op, p) => { if (op == nameof(IFileSystem.ReadXattrs)) read.Add(Path.GetRelativePath(Src, p)); return null; };
        var events = new RecordingEvents();
        var result = ImageKit.Backup(Src, image, ImageEncryption.Aes256, events, engine: Engine(second));

        Assert.Equal(CloneStatus.Success, result.Status);
        // Only the changed items (and perhaps the root, which the planner always compares).
        Assert.Equal(new[] { "d", "d/7.txt" }, read.Distinct().Where(p => p != ".").Order(StringComparer.Ordinal).ToArray());
        var snapshots = ImageKit.Snapshots(image, ImageEncryption.Aes256);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), Restored(image, snapshots[1].Id)));
        Assert.Equal("", TreeState.Diff(firstState, Restored(image, snapshots[0].Id)));

        // A snapshot taken from another source path reads everything again: its items are other items.
        var third = new InstrumentedFileSystem(new LinuxFileSystem());
        string moved = _dir["moved"];
        Directory.Move(Src, moved);
        ImageKit.Backup(moved, image, ImageEncryption.Aes256, adjust: r => r with { Force = true }, engine: Engine(third));
        Assert.True(third.Count(nameof(IFileSystem.ReadXattrs)) >= 52, $"only {third.Count(nameof(IFileSystem.ReadXattrs))} reads after a change of source");
        Assert.Equal("", TreeState.Diff(TreeState.Read(moved), Restored(image, ImageKit.Snapshots(image, ImageEncryption.Aes256)[2].Id)));
    }

    [Fact]
    public void AFileReplacedWhileItIsRead_IsRecordedAsTheFileThatWasRead()
    {
        string image = _dir["r.psimg"];
        ImageKit.Create(image, ImageLayout.SingleFile, ImageEncryption.Aes256);
        var tree = new TreeBuilder(Src);
        tree.File("d/f.txt", "the file as it was opened").File("d/g.txt", "other");
        Native.SetMTime(Path.Combine(Src, "d/f.txt"), 1_600_000_000_000_000_000);
        var opened = TreeState.Read(Src).Items["d/f.txt"];
        // Once the backup has opened d/f.txt, a longer, newer file is renamed over its path.
        var fs = new InstrumentedFileSystem(new LinuxFileSystem());
        int swaps = 0;
        fs.Fault = (op, p) =>
        {
            if (op == nameof(IFileSystem.GetEntry) && p.EndsWith("/d/f.txt", StringComparison.Ordinal) && swaps == 0)
            {
                swaps++;
                File.WriteAllText(Path.Combine(Src, "d/new"), "a different, longer file that took the path");
                File.Move(Path.Combine(Src, "d/new"), Path.Combine(Src, "d/f.txt"), overwrite: true);
            }
            return null;
        };
        var result = ImageKit.Backup(Src, image, ImageEncryption.Aes256, engine: new CloneEngine(fs));

        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal(1, swaps);
        // Content, size and time all belong to the file read, not to the one now at its path.
        string id = ImageKit.Snapshots(image, ImageEncryption.Aes256)[0].Id;
        Assert.Equal(opened.Describe(), Restored(image, id).Items["d/f.txt"].Describe());
        Assert.Equal("the file as it was opened", File.ReadAllText(Path.Combine(_dir["restored-" + id], "d/f.txt")));
    }

    [Fact]
    public void UnchangedFolders_KeepTheirListing_ButNotWhatAFilterNowExcludes()
    {
        string image = _dir["f.psimg"];
        ImageKit.Create(image, ImageLayout.SingleFile, ImageEncryption.Aes256);
        new TreeBuilder(Src).File("d/a.txt", "alpha").File("d/b.log", "log").File("d/e/c.txt", "gamma").File("top.txt", "top");
        var first = ImageKit.Backup(Src, image, ImageEncryption.Aes256);
        var unchanged = ImageKit.Backup(Src, image, ImageEncryption.Aes256);
        var filtered = ImageKit.Backup(Src, image, ImageEncryption.Aes256, adjust: r => r with { Exclude = new[] { "*.log" } });

        Assert.Equal(CloneStatus.Success, filtered.Status);
        var snapshots = ImageKit.Snapshots(image, ImageEncryption.Aes256);
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(0, snapshots[1].AddedChunks);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), Restored(image, snapshots[1].Id)));
        var last = Restored(image, snapshots[2].Id);
        Assert.DoesNotContain("d/b.log", last.Items.Keys);
        Assert.Contains("d/a.txt", last.Items.Keys);
        Assert.Contains("d/e/c.txt", last.Items.Keys);
    }

    private TreeState Restored(string image, string id)
    {
        string target = _dir["restored-" + id];
        ImageKit.Restore(image, target, id, ImageEncryption.Aes256);
        return TreeState.Read(target);
    }

    [Theory]
    [InlineData(ImageLayout.SingleFile, ImageEncryption.Aes128)]
    [InlineData(ImageLayout.Bundle, ImageEncryption.Aes256)]
    public void EncryptedImage_HoldsNoPlaintextOfTheSource(ImageLayout layout, ImageEncryption encryption)
    {
        string image = _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];
        ImageKit.Create(image, layout, encryption);
        string marker = "PLAINTEXT-MARKER-7f3a";
        var tree = new TreeBuilder(Src);
        for (int i = 0; i < 20; i++) tree.File($"dir-{marker}-{i}/file-{marker}-{i}.txt", string.Concat(Enumerable.Repeat(marker + " secret payload ", 200 + i)));
        tree.Symlink($"link-{marker}", $"target-{marker}");
        tree.Xattr($"dir-{marker}-1/file-{marker}-1.txt", "user." + marker, marker);
        ImageKit.Backup(Src, image, encryption);

        foreach (var file in ImageKit.Files(image))
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var needle in new[] { marker, "secret payload", "PLAINTEXT" })
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(needle)) < 0, $"'{needle}' found in {file}");
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.Unicode.GetBytes(needle)) < 0, $"'{needle}' (UTF-16) found in {file}");
            }
        }
        // The same tree in an unencrypted image does show the names: the search above can find them.
        string plain = _dir["plain.psimg"];
        ImageKit.Create(plain);
        ImageKit.Backup(Src, plain);
        Assert.True(File.ReadAllBytes(plain).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(marker)) >= 0);
    }
}

/// <summary>A metadata pack is built in 1 MiB segments and written with one gathered write per copy.</summary>
public sealed class MetadataPackSegmentTests : IDisposable
{
    private readonly TempDir _dir = new("segments");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SegmentedBytes_HoldsWhatWasAppended_AcrossSegmentBoundaries()
    {
        var rng = new Random(11);
        var expected = new MemoryStream();
        using var bytes = new PSClone.Images.SegmentedBytes();
        while (expected.Length < (7 << 19))
        {
            var piece = new byte[rng.Next(0, 300_000)];
            rng.NextBytes(piece);
            bytes.Append(piece);
            expected.Write(piece);
        }
        var segments = bytes.Segments;

        Assert.Equal(expected.Length, bytes.Length);
        Assert.Equal(4, segments.Count);
        Assert.All(segments.Take(3), s => Assert.Equal(1 << 20, s.Length));
        Assert.Equal(expected.ToArray(), segments.SelectMany(s => s.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(ImageLayout.SingleFile)]
    [InlineData(ImageLayout.Bundle)]
    public void AMetadataPackOfSeveralSegments_RestoresAndVerifies(ImageLayout layout)
    {
        // 16k chunks of 4 KiB: their index entries and content list make a metadata pack over 1 MiB.
        var data = new byte[64 << 20];
        new Random(5).NextBytes(data);
        Directory.CreateDirectory(_dir["src"]);
        File.WriteAllBytes(_dir["src/data.bin"], data);
        string image = _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];
        ImageKit.Create(image, layout, ImageEncryption.Aes256, chunkSize: 4096, packSize: 32 << 20);

        var result = ImageKit.Backup(_dir["src"], image, ImageEncryption.Aes256);

        Assert.Equal(CloneStatus.Success, result.Status);
        using (var pass = ImageKit.PassFor(ImageEncryption.Aes256))
        using (var opened = PSClone.Images.BackupImage.Open(image, pass, writable: false))
            Assert.Contains(opened.Manifest.Packs, p => p.IsMetadata && p.Length > 1 << 20);
        Assert.True(ImageKit.Verify(image, readData: true, ImageEncryption.Aes256).Intact);
        Assert.Equal(CloneStatus.Success, ImageKit.Restore(image, _dir["out"], encryption: ImageEncryption.Aes256).Status);
        Assert.Equal(data, File.ReadAllBytes(_dir["out/data.bin"]));
    }
}
