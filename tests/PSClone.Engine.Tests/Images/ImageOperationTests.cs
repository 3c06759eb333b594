using System.Buffers.Binary;
using System.Security.Cryptography;
using PSClone.Images;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

public sealed class ImageRefusalTests : IDisposable
{
    private readonly TempDir _dir = new("refuse");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    private static PSCloneException Refused(Action action)
    {
        var ex = Assert.ThrowsAny<PSCloneException>(action);
        Assert.True(ex.NothingDone, $"{ex.ErrorId} should be a refusal");
        return ex;
    }

    [Fact]
    public void ChangePassphrase_OfAnUnencryptedImage_IsImageNotEncrypted_WhateverTheNewPassphrase()
    {
        string image = _dir["plain.psimg"];
        ImageKit.Create(image);
        using var none = new Passphrase("");
        using var good = new Passphrase("a long enough passphrase");
        foreach (var replacement in new[] { none, good })
            Assert.Equal("ImageNotEncrypted", Refused(() => new ImageManager().ChangePassphrase(image, none, replacement, null, NullEngineEvents.Instance, default)).ErrorId);
        string encrypted = _dir["secret.psimg"];
        ImageKit.Create(encrypted, encryption: ImageEncryption.Aes256);
        using var current = new Passphrase(ImageKit.Secret);
        Assert.Equal("PassphraseTooShort", Refused(() => new ImageManager().ChangePassphrase(encrypted, current, none, null, NullEngineEvents.Instance, default)).ErrorId);
    }

    [Fact]
    public void WrongPassphrase_IsRefused_AndAMissingOneIsAskedFor()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image, encryption: ImageEncryption.Aes256);
        TreeBuilder.Sample(Src);
        using var wrong = new Passphrase("not the passphrase at all");
        Assert.Equal("WrongPassphrase", Refused(() => new ImageManager().GetSnapshots(image, wrong, default)).ErrorId);
        Assert.Equal("PassphraseRequired", Refused(() => new ImageManager().GetSnapshots(image, null, default)).ErrorId);
        var ex = Refused(() => ImageKit.Backup(Src, image, adjust: r => r with { Passphrase = wrong }));
        Assert.Equal("WrongPassphrase", ex.ErrorId);
        Assert.Empty(ImageKit.Snapshots(image, ImageEncryption.Aes256));
    }

    [Fact]
    public void NewerFormatVersion_IsRefused()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        var bytes = File.ReadAllBytes(image);
        for (int slot = 0; slot < 2; slot++)
        {
            var head = bytes.AsSpan(slot * 4096, 4096);
            BinaryPrimitives.WriteUInt16LittleEndian(head[8..], (ushort)(ImageFormat.Major + 1));
            SHA256.HashData(head[..4064], head[4064..]);
        }
        File.WriteAllBytes(image, bytes);
        Assert.Equal("ImageVersionTooNew", Refused(() => new ImageManager().GetSnapshots(image, null, default)).ErrorId);
        TreeBuilder.Sample(Src);
        Assert.Equal("ImageVersionTooNew", Refused(() => ImageKit.Backup(Src, image)).ErrorId);
    }

    [Fact]
    public void ForeignAndDamagedFiles_AreRefusedClearly()
    {
        string foreign = _dir["foreign.psimg"];
        File.WriteAllText(foreign, "just some text that is not an image");
        Assert.Equal("NotAnImage", Refused(() => new ImageManager().GetSnapshots(foreign, null, default)).ErrorId);
        string empty = _dir["empty.psimg"];
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Equal("NotAnImage", Refused(() => new ImageManager().GetSnapshots(empty, null, default)).ErrorId);

        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        var bytes = File.ReadAllBytes(image);
        bytes[100] ^= 1;
        bytes[4096 + 100] ^= 1;
        File.WriteAllBytes(image, bytes);
        Assert.Equal("ImageDamaged", Refused(() => new ImageManager().GetSnapshots(image, null, default)).ErrorId);
        Assert.Equal("ImageNotFound", Refused(() => new ImageManager().GetSnapshots(_dir["missing.psimg"], null, default)).ErrorId);
        TreeBuilder.Sample(Src);
        Assert.Equal("ImageNotFound", Refused(() => ImageKit.Backup(Src, _dir["typo.psimg"])).ErrorId);
        Assert.False(Directory.Exists(_dir["typo.psimg"]), "cloning to a missing image path must not make a folder");
    }

    [Fact]
    public void FullCapacity_IsRefused_AndTheImageKeepsItsState()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image, capacity: 1 << 20);
        new TreeBuilder(Src).File("small.txt", "fits");
        var first = ImageKit.Backup(Src, image);
        Assert.Equal(CloneStatus.Success, first.Status);
        var big = new byte[3 << 20];
        new Random(1).NextBytes(big);
        new TreeBuilder(Src).File("big.bin", big);
        long before = new FileInfo(image).Length;

        var ex = Refused(() => ImageKit.Backup(Src, image));
        Assert.Equal("ImageFull", ex.ErrorId);
        Assert.Contains("capacity", ex.Message, StringComparison.Ordinal);
        Assert.Single(ImageKit.Snapshots(image));
        Assert.True(ImageKit.Verify(image, true).Intact);

        using (var _ = new Passphrase("x")) { }
        new ImageManager().Resize(image, 16 << 20, null, NullEngineEvents.Instance, default);
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(Src, image).Status);
        Assert.Equal(2, ImageKit.Snapshots(image).Count);
        Assert.True(new FileInfo(image).Length > before);
        Assert.Equal("CapacityTooSmall", Refused(() => new ImageManager().Resize(image, 1 << 20, null, NullEngineEvents.Instance, default)).ErrorId);
    }

    [Fact]
    public void SealedImage_RefusesEveryWrite()
    {
        string image = _dir["i.psimg"], sealedImage = _dir["sealed.psimg"];
        ImageKit.Create(image);
        TreeBuilder.Sample(Src);
        ImageKit.Backup(Src, image);
        new ImageManager().Compress(image, sealedImage, null, NullEngineEvents.Instance, default);

        Assert.Equal("ImageSealed", Refused(() => ImageKit.Backup(Src, sealedImage)).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().Resize(sealedImage, 1L << 30, null, NullEngineEvents.Instance, default)).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().Compact(sealedImage, null, NullEngineEvents.Instance, default)).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().Forget(new ImageForgetRequest { Image = sealedImage, KeepLast = 0 }, null, NullEngineEvents.Instance, default)).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().BackupDevice(image, sealedImage, null, NullEngineEvents.Instance, default)).ErrorId);
    }

    [Fact]
    public void SecondWriter_IsRefusedAtOnce()
    {
        string image = _dir["i.psimgbundle"];
        ImageKit.Create(image, ImageLayout.Bundle);
        TreeBuilder.Sample(Src);
        using var held = BackupImage.OpenHeads(image, writable: true);
        Assert.Equal("ImageBusy", Refused(() => ImageKit.Backup(Src, image)).ErrorId);
        Assert.Equal("ImageBusy", Refused(() => ImageKit.Snapshots(image)).ErrorId);
    }

    [Fact]
    public void ImageOfAnotherSource_IsRefusedUnlessForced()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        TreeBuilder.Sample(Src);
        new TreeBuilder(_dir["other"]).File("x.txt", "x");
        ImageKit.Backup(Src, image);
        Assert.Equal("ImageBelongsToOtherSource", Refused(() => ImageKit.Backup(_dir["other"], image)).ErrorId);
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(_dir["other"], image, adjust: r => r with { Force = true }).Status);
    }
}

public sealed class ImageMaintenanceTests : IDisposable
{
    private readonly TempDir _dir = new("maint");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    private string ImagePath(ImageLayout layout) => _dir[layout == ImageLayout.Bundle ? "i.psimgbundle" : "i.psimg"];

    [Theory]
    [InlineData(ImageLayout.SingleFile)]
    [InlineData(ImageLayout.Bundle)]
    public void ForgetAndCompact_FreeSpace_AndKeptSnapshotsStillRestore(ImageLayout layout)
    {
        string image = ImagePath(layout);
        ImageKit.Create(image, layout, ImageEncryption.Aes256);
        var tree = new TreeBuilder(Src);
        var random = new Random(5);
        var states = new List<TreeState>();
        var ids = new List<string>();
        for (int round = 0; round < 4; round++)
        {
            // Each round replaces most content: old snapshots own most of their data.
            for (int i = 0; i < 6; i++)
            {
                var bytes = new byte[150_000];
                random.NextBytes(bytes);
                tree.File($"f{i}.bin", bytes);
            }
            tree.File("stable.txt", "the same in every snapshot");
            ids.Add(ImageKit.Backup(Src, image, ImageEncryption.Aes256).SnapshotId!);
            states.Add(TreeState.Read(Src));
        }
        long before = ImageKit.Bytes(image);
        using var pass = new Passphrase(ImageKit.Secret);
        var removed = new ImageManager().Forget(new ImageForgetRequest { Image = image, KeepLast = 2 }, pass, NullEngineEvents.Instance, default);
        Assert.Equal(ids.Take(2), removed.Select(s => s.Id));
        var compacted = new ImageManager().Compact(image, pass, NullEngineEvents.Instance, default);
        long after = ImageKit.Bytes(image);
        Assert.True(after < before * 0.65, $"{before} -> {after} bytes");
        Assert.True(compacted.SizeAfter <= compacted.SizeBefore + 8192, $"{compacted.SizeBefore} -> {compacted.SizeAfter}");
        Assert.Equal(ids.Skip(2), ImageKit.Snapshots(image, ImageEncryption.Aes256).Select(s => s.Id));
        Assert.True(ImageKit.Verify(image, true, ImageEncryption.Aes256).Intact);
        for (int i = 2; i < 4; i++)
        {
            string target = _dir["out" + i];
            ImageKit.Restore(image, target, ids[i], ImageEncryption.Aes256);
            Assert.Equal("", TreeState.Diff(states[i], TreeState.Read(target)));
        }
        // The next backup after a compaction works and deduplicates against what is left.
        var next = ImageKit.Backup(Src, image, ImageEncryption.Aes256);
        Assert.Equal(CloneStatus.Success, next.Status);
        Assert.Equal(0, ImageKit.Snapshots(image, ImageEncryption.Aes256)[^1].AddedChunks);
    }

    [Fact]
    public void Retention_KeepsLastAndNewestPerDayWeekMonth()
    {
        var snaps = new List<SnapshotRecord>();
        var start = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        ulong id = 1;
        // Two snapshots a day for 70 days.
        for (int day = 0; day < 70; day++)
        for (int h = 0; h < 2; h++)
        {
            var t = start.AddDays(day).AddHours(h * 6);
            snaps.Add(new SnapshotRecord
            {
                Id = id++, TimeNs = (t - DateTimeOffset.UnixEpoch).Ticks * 100, Kind = SnapshotKind.Files, Source = "/src",
                Root = new TreeNode { Name = "", Type = ItemType.Directory },
            });
        }
        var keep = RetentionPolicy.Keep(snaps, new ImageForgetRequest { Image = "x", KeepLast = 3, KeepDaily = 5, KeepWeekly = 3, KeepMonthly = 2 });
        var kept = snaps.Where(s => keep.Contains(s.Id)).Select(s => s.Time.UtcDateTime).OrderByDescending(t => t).ToList();
        var newest = start.AddDays(69).AddHours(6).UtcDateTime;
        Assert.Contains(newest, kept);
        Assert.Contains(newest.AddHours(-6), kept); // last 3
        Assert.Contains(newest.AddDays(-1), kept);  // keep-last's third
        foreach (int d in new[] { 2, 3, 4 }) Assert.Contains(newest.AddDays(-d), kept); // the newest of each of 5 days
        Assert.DoesNotContain(newest.AddDays(-5), kept.Where(t => t.DayOfWeek != DayOfWeek.Sunday));
        Assert.Contains(new DateTime(2026, 2, 28, 16, 0, 0), kept); // monthly: newest of February
        Assert.Equal(kept.Count, kept.Distinct().Count());
        Assert.True(kept.Count <= 3 + 5 + 3 + 2);
        // A policy of nothing keeps nothing; a policy never keeps more than it names.
        Assert.Empty(RetentionPolicy.Keep(snaps, new ImageForgetRequest { Image = "x", KeepLast = 0 }));
    }

    [Theory]
    [InlineData(ImageLayout.SingleFile, ImageEncryption.Aes256)]
    [InlineData(ImageLayout.Bundle, ImageEncryption.None)]
    public void SealedCopy_RestoresEverySnapshot_AndAnyChangeBreaksTheSeal(ImageLayout layout, ImageEncryption encryption)
    {
        string image = ImagePath(layout);
        ImageKit.Create(image, layout, encryption);
        var tree = TreeBuilder.Sample(Src);
        tree.File("text.txt", string.Concat(Enumerable.Repeat("compressible text line\n", 20_000)));
        string first = ImageKit.Backup(Src, image, encryption).SnapshotId!;
        var state1 = TreeState.Read(Src);
        tree.File("more.txt", "more");
        ImageKit.Backup(Src, image, encryption);
        var state2 = TreeState.Read(Src);

        string sealedPath = _dir[layout == ImageLayout.Bundle ? "sealed.psimgbundle" : "sealed.psimg"];
        using var pass = ImageKit.PassFor(encryption);
        var info = new ImageManager().Compress(image, sealedPath, pass, NullEngineEvents.Instance, default);
        Assert.True(info.Sealed);
        Assert.True(ImageKit.Bytes(sealedPath) <= ImageKit.Bytes(image));
        var verify = ImageKit.Verify(sealedPath, false, encryption);
        Assert.True(verify.Intact && verify.SealChecked);

        ImageKit.Restore(sealedPath, _dir["a"], first, encryption);
        Assert.Equal("", TreeState.Diff(state1, TreeState.Read(_dir["a"])));
        ImageKit.Restore(sealedPath, _dir["b"], "latest", encryption);
        Assert.Equal("", TreeState.Diff(state2, TreeState.Read(_dir["b"])));

        // A byte in the biggest pack (not in a head, which has its own checksum).
        var victim = ImageKit.Files(sealedPath).Where(f => !f.EndsWith("/psimg", StringComparison.Ordinal)).OrderBy(f => new FileInfo(f).Length).Last();
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var fs = new FileStream(victim, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.Position = fs.Length - 20;
            int b = fs.ReadByte();
            fs.Position = fs.Length - 20;
            fs.WriteByte((byte)(b ^ 0x40));
        }
        var broken = new RecordingEvents();
        Assert.False(ImageKit.Verify(sealedPath, false, encryption, broken).Intact);
        Assert.Contains(broken.Items.OfType<ImageVerifyFinding>(), f => f.Problem == ImageProblem.SealBroken);
    }

    [Fact]
    public void PassphraseChange_RewritesNothingButTheHead()
    {
        string image = _dir["i.psimgbundle"];
        ImageKit.Create(image, ImageLayout.Bundle, ImageEncryption.Aes128);
        TreeBuilder.Sample(Src);
        ImageKit.Backup(Src, image, ImageEncryption.Aes128);
        var packsBefore = Directory.EnumerateFiles(image, "*.pspk", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        using (var old = new Passphrase(ImageKit.Secret))
        using (var fresh = new Passphrase("a new and longer passphrase"))
            new ImageManager().ChangePassphrase(image, old, fresh, null, NullEngineEvents.Instance, default);

        var packsAfter = Directory.EnumerateFiles(image, "*.pspk", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(packsBefore.Keys.Order(), packsAfter.Keys.Order());
        foreach (var (f, bytes) in packsBefore) Assert.True(bytes.AsSpan().SequenceEqual(packsAfter[f]), $"{f} changed");
        using var oldPass = new Passphrase(ImageKit.Secret);
        Assert.Equal("WrongPassphrase", Assert.Throws<PSCloneException>(() => new ImageManager().GetSnapshots(image, oldPass, default)).ErrorId);
        using var newPass = new Passphrase("a new and longer passphrase");
        Assert.Single(new ImageManager().GetSnapshots(image, newPass, default));
    }

    [Theory]
    [InlineData(ImageLayout.SingleFile)]
    [InlineData(ImageLayout.Bundle)]
    public void BlockLevel_RoundTrip_StoresZeroRunsAsHoles(ImageLayout layout)
    {
        string image = ImagePath(layout);
        ImageKit.Create(image, layout, ImageEncryption.Aes256);
        string device = _dir["disk.img"];
        var random = new Random(9);
        using (var fs = new FileStream(device, FileMode.Create))
        {
            fs.SetLength((40L << 20) + 12345); // 40 MiB and a partial last block, mostly zeros
            foreach (long at in new long[] { 0, 5L << 20, (5L << 20) + 300_000, 33L << 20, 40L << 20 })
            {
                var data = new byte[200_000];
                random.NextBytes(data);
                fs.Position = at;
                fs.Write(data, 0, (int)Math.Min(data.Length, fs.Length - at));
            }
        }
        using var pass = new Passphrase(ImageKit.Secret);
        var manager = new ImageManager();
        var snapshot = manager.BackupDevice(device, image, pass, NullEngineEvents.Instance, default);
        Assert.Equal(SnapshotKind.Block, snapshot.Kind);
        Assert.True(ImageKit.Bytes(image) < 4 << 20, $"the zero runs were stored: {ImageKit.Bytes(image)} bytes");

        // A second backup of the unchanged device adds no chunks.
        var again = manager.BackupDevice(device, image, pass, NullEngineEvents.Instance, default);
        Assert.Equal(0, again.AddedChunks);
        Assert.Equal(snapshot.Id, again.ParentId);

        string restored = _dir["restored.img"];
        var result = manager.RestoreDevice(image, restored, snapshot.Id, false, pass, NullEngineEvents.Instance, default);
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.True(File.ReadAllBytes(device).AsSpan().SequenceEqual(File.ReadAllBytes(restored)));
        var st = TreeState.Read(_dir[""]).Items["restored.img"];
        Assert.True(st.Sparse, "holes are restored as holes");

        // An existing file is overwritten only when forced, and then gets zeros where the snapshot has holes.
        File.WriteAllBytes(restored, Enumerable.Repeat((byte)0xEE, 50 << 20).ToArray());
        Assert.Equal("RestoreTargetExists", Assert.Throws<PSCloneException>(() => manager.RestoreDevice(image, restored, null, false, pass, NullEngineEvents.Instance, default)).ErrorId);
        manager.RestoreDevice(image, restored, null, true, pass, NullEngineEvents.Instance, default);
        Assert.True(File.ReadAllBytes(device).AsSpan().SequenceEqual(File.ReadAllBytes(restored)));
        Assert.True(ImageKit.Verify(image, true, ImageEncryption.Aes256).Intact);
    }
}

public sealed class ImageCloneBehaviourTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("behave");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Checksum_ReReadsEveryFile_AndCatchesAChangeThatKeepsSizeAndTime()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        var tree = new TreeBuilder(Src).File("same.bin", "AAAA", mtimeNs: 1_650_000_000_000_000_000).File("other.txt", "x");
        ImageKit.Backup(Src, image);
        tree.File("same.bin", "BBBB", mtimeNs: 1_650_000_000_000_000_000);

        var quick = ImageKit.Backup(Src, image);
        Assert.Equal(0, quick.ItemsUpdated);
        var thorough = ImageKit.Backup(Src, image, adjust: r => r with { Checksum = true });
        Assert.Equal(CloneStatus.Success, thorough.Status);
        ImageKit.Restore(image, _dir["out"], thorough.SnapshotId);
        Assert.Equal("BBBB", File.ReadAllText(_dir["out/same.bin"]));
        ImageKit.Restore(image, _dir["old"], quick.SnapshotId);
        Assert.Equal("AAAA", File.ReadAllText(_dir["old/same.bin"]));
    }

    /// <summary>Cancels the run after a few files are stored.</summary>
    private sealed class CancelAfter(int items, CancellationTokenSource cancel) : IEngineEvents
    {
        private int _seen;
        public void Item(object item)
        {
            if (Interlocked.Increment(ref _seen) == items) cancel.Cancel();
        }
        public void Progress(EngineProgress progress) { }
        public void Warning(string message) { }
        public void Verbose(string message) { }
        public void Error(EngineError error) { }
        public bool ShouldProcess(string target, string action) => true;
    }

    [Fact]
    public void CanceledBackup_MakesNoSnapshot_ButKeepsWhatItStoredForTheNextRun()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        var tree = new TreeBuilder(Src);
        var random = new Random(3);
        for (int i = 0; i < 40; i++)
        {
            var bytes = new byte[60_000];
            random.NextBytes(bytes);
            tree.File($"f{i:00}.bin", bytes);
        }
        using var cancel = new CancellationTokenSource();
        var request = new CloneRequest { Source = Src, Destination = image, Parallelism = 1, RetryDelay = TimeSpan.Zero };
        var result = new Cloning.CloneEngine().Run(request, new CancelAfter(10, cancel), cancel.Token);
        Assert.Equal(CloneStatus.Canceled, result.Status);
        Assert.Null(result.SnapshotId);
        Assert.Empty(ImageKit.Snapshots(image));
        Assert.True(ImageKit.Verify(image, true).Intact);

        var next = ImageKit.Backup(Src, image);
        Assert.Equal(CloneStatus.Success, next.Status);
        var snapshot = ImageKit.Snapshots(image).Single();
        ImageKit.Create(_dir["fresh.psimg"]);
        ImageKit.Backup(Src, _dir["fresh.psimg"]);
        long all = ImageKit.Snapshots(_dir["fresh.psimg"]).Single().AddedChunks;
        Assert.True(snapshot.AddedChunks <= all - 10, $"the second run stored {snapshot.AddedChunks} of {all} chunks again");
        ImageKit.Restore(image, _dir["out"]);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(_dir["out"])));
    }

    [Fact]
    public void CanceledBackup_WhileLargeFilesAreInThePipeline_LeavesAConsistentImage()
    {
        string image = _dir["p.psimg"];
        ImageKit.Create(image, encryption: ImageEncryption.Aes256);
        var tree = new TreeBuilder(Src);
        var random = new Random(5);
        for (int i = 0; i < 4; i++)
        {
            var bytes = new byte[(2 << 20) + i * 4096]; // 2 MiB of 16 KiB chunks: well over the pipeline's threshold
            random.NextBytes(bytes);
            tree.File($"big{i}.bin", bytes);
        }
        tree.File("small.txt", "small");
        using var cancel = new CancellationTokenSource();
        using var pass = ImageKit.PassFor(ImageEncryption.Aes256);
        var request = new CloneRequest { Source = Src, Destination = image, Passphrase = pass, Parallelism = 1, RetryDelay = TimeSpan.Zero };
        var result = new Cloning.CloneEngine().Run(request, new CancelAfter(1, cancel), cancel.Token);
        Assert.Equal(CloneStatus.Canceled, result.Status);
        Assert.Empty(ImageKit.Snapshots(image, ImageEncryption.Aes256));
        Assert.True(ImageKit.Verify(image, true, ImageEncryption.Aes256).Intact);

        Assert.Equal(CloneStatus.Success, ImageKit.Backup(Src, image, ImageEncryption.Aes256).Status);
        Assert.True(ImageKit.Verify(image, true, ImageEncryption.Aes256).Intact);
        ImageKit.Restore(image, _dir["out"], encryption: ImageEncryption.Aes256);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(_dir["out"])));
    }

    [Fact]
    public void RealBlockDevice_RoundTrips_WhenRootCanMakeALoopDevice()
    {
        if (!Native.IsRoot)
        {
            output.WriteLine("SKIPPED: making a loop device needs root (the file-backed block round trip still runs).");
            return;
        }
        string backing = _dir["loop.img"];
        var data = new byte[8 << 20];
        new Random(5).NextBytes(data.AsSpan(0, 2 << 20));
        File.WriteAllBytes(backing, data);
        string? device = RunTool("losetup", "--find", "--show", backing)?.Trim();
        if (string.IsNullOrEmpty(device) || !device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            output.WriteLine("SKIPPED: losetup could not make a loop device here.");
            return;
        }
        try
        {
            string image = _dir["dev.psimg"];
            ImageKit.Create(image);
            var snapshot = new ImageManager().BackupDevice(device, image, null, NullEngineEvents.Instance, default);
            Assert.Equal(8L << 20, snapshot.Bytes);
            new ImageManager().RestoreDevice(image, _dir["restored.img"], null, false, null, NullEngineEvents.Instance, default);
            Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(_dir["restored.img"])));
        }
        finally
        {
            RunTool("losetup", "-d", device);
        }
    }

    private static string? RunTool(string tool, params string[] args)
    {
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

public sealed class ImageBrowsingTests : IDisposable
{
    private readonly TempDir _dir = new("browse");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Browser_ListsFoldersAndStreamsFiles_AndRestoreTakesExactPaths()
    {
        string src = _dir["src"], image = _dir["i.psimgbundle"];
        var big = new byte[150_000];
        new Random(2).NextBytes(big);
        new TreeBuilder(src).File("docs/a [1].txt", "bracketed").File("docs/b*.txt", "starred").File("data/big.bin", big).Symlink("l", "docs");
        ImageKit.Create(image, ImageLayout.Bundle, ImageEncryption.Aes256);
        string id = ImageKit.Backup(src, image, ImageEncryption.Aes256).SnapshotId!;
        using var pass = new Passphrase(ImageKit.Secret);
        using (var browser = new ImageManager().OpenBrowser(image, pass))
        {
            Assert.Equal(id, browser.Snapshots.Single().Id);
            Assert.Equal(new[] { "data", "docs", "l" }, browser.List("latest", "").Select(e => e.Name));
            Assert.Equal(new[] { "docs/a [1].txt", "docs/b*.txt" }, browser.List(id, "docs").Select(e => e.Path));
            Assert.Equal(ItemType.SymbolicLink, browser.GetItem(id, "l")!.ItemType);
            Assert.Null(browser.GetItem(id, "docs/missing"));
            using var stream = browser.OpenFile(id, "data/big.bin");
            var copy = new MemoryStream();
            stream.Seek(1000, SeekOrigin.Begin);
            stream.CopyTo(copy);
            Assert.True(big.AsSpan(1000).SequenceEqual(copy.ToArray()));
        }
        var result = new ImageManager().Restore(new ImageRestoreRequest { Image = image, Target = _dir["out"], ExactPaths = new[] { "docs/a [1].txt" } },
            pass, NullEngineEvents.Instance, default);
        Assert.Equal(1, result.ItemsRestored);
        Assert.Equal("bracketed", File.ReadAllText(_dir["out/docs/a [1].txt"]));
        Assert.False(File.Exists(_dir["out/docs/b*.txt"]));
    }
}
