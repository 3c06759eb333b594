using PSClone.Cloning;
using PSClone.Images;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Help;

/// <summary>The examples of the backup image cmdlets' pages, through the engine API the cmdlets call
/// (or the psclone command where an example is about the environment), on real images.</summary>
public sealed partial class HelpExampleTests
{
    private const string Secret = "correct horse battery staple";

    /// <summary>An image with small chunks and packs (so small trees use many) and a cheap key derivation.</summary>
    private string NewImage(string name, ImageEncryption encryption = ImageEncryption.None, long? capacity = null)
    {
        string path = _dir.Path(name);
        using var passphrase = encryption == ImageEncryption.None ? null : new Passphrase(Secret);
        new ImageManager().Create(new ImageCreateRequest
        {
            Path = path,
            Encryption = encryption,
            Capacity = capacity,
            KdfIterations = 1000,
            ChunkSize = 16 << 10,
            PackSize = 256 << 10,
        }, passphrase, NullEngineEvents.Instance, CancellationToken.None);
        return path;
    }

    private static Passphrase? PassFor(string image) =>
        ImageManager.Probe(image) is { Encryption: not ImageEncryption.None } ? new Passphrase(Secret) : null;

    /// <summary>Invoke-Clone -Destination IMAGE: a snapshot.</summary>
    private static CloneRunResult Backup(string source, string image)
    {
        using var passphrase = PassFor(image);
        var events = new ExampleEvents();
        var result = new CloneEngine().Run(new CloneRequest
        {
            Source = source,
            Destination = image,
            Passphrase = passphrase,
            SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 },
            MaxDeletePercent = 100,
        }, events, CancellationToken.None);
        Assert.Empty(events.Errors);
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.NotNull(result.SnapshotId);
        return result;
    }

    private static IReadOnlyList<BackupSnapshot> Snapshots(string image)
    {
        using var passphrase = PassFor(image);
        return new ImageManager().GetSnapshots(image, passphrase, CancellationToken.None);
    }

    private static BackupImageInfo Info(string image, Passphrase? passphrase = null)
    {
        using var own = passphrase is null ? PassFor(image) : null;
        return new ImageManager().GetInfo(image, passphrase ?? own, CancellationToken.None);
    }

    private static List<string> Items(string image, string? snapshot, string? path, bool recurse)
    {
        using var passphrase = PassFor(image);
        using var browser = new ImageManager().OpenBrowser(image, passphrase);
        return ImageItemQuery.Find(browser, snapshot, path, recurse, CancellationToken.None).Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
    }

    private static (ImageRestoreResult Result, ExampleEvents Events) Restore(ImageRestoreRequest request)
    {
        using var passphrase = PassFor(request.Image);
        var events = new ExampleEvents();
        return (new ImageManager().Restore(request, passphrase, events, CancellationToken.None), events);
    }

    private static IReadOnlyList<BackupSnapshot> Forget(ImageForgetRequest request)
    {
        using var passphrase = PassFor(request.Image);
        return new ImageManager().Forget(request, passphrase, new ExampleEvents(), CancellationToken.None);
    }

    private static PSCloneException Refused(Action action) => Assert.ThrowsAny<PSCloneException>(action);

    /// <summary>Documents with two snapshots: offer.docx changes between them, new.txt comes in the second.</summary>
    private (ExampleTree Source, string Image, BackupSnapshot First, BackupSnapshot Second) TwoSnapshots(ImageEncryption encryption = ImageEncryption.None)
    {
        var src = _dir.Tree("Documents")
            .File("a.txt", "alpha\nbeta\n")
            .File("report.txt", "line one\nline two\n")
            .File("Letters/offer.docx", "offer v1")
            .File("Letters/2025/old.docx", "old letter")
            .File("Letters/list.txt", "list");
        string image = NewImage("laptop.psimg", encryption);
        Backup(src.Root, image);
        src.File("Letters/offer.docx", "offer v2, longer").File("new.txt", "new").File("report.txt", "line one\nline 2\n");
        Backup(src.Root, image);
        var snapshots = Snapshots(image);
        Assert.Equal(2, snapshots.Count);
        return (src, image, snapshots[0], snapshots[1]);
    }

    private static Dictionary<string, string?> PassphraseEnvironment(string? current, string? replacement = null) => new()
    {
        ["PSCLONE_PASSPHRASE"] = current,
        ["PSCLONE_NEW_PASSPHRASE"] = replacement,
    };

    // ---------------------------------------------------------------- New-BackupImage

    [Fact]
    public void NewBackupImage_Example1_APassphraseMakesAnAes256ImageThatOnlyItOpens()
    {
        var src = _dir.Tree("Documents").File("a.txt", "alpha");
        string image = NewImage("laptop.psimg", ImageEncryption.Aes256, capacity: 200L << 30);
        var info = Info(image);
        Assert.Equal((ImageLayout.SingleFile, ImageEncryption.Aes256, 200L << 30, 0), (info.Layout, info.Encryption, info.Capacity, info.SnapshotCount));
        Assert.True(File.Exists(image));

        Backup(src.Root, image);
        Assert.Single(Snapshots(image));
        Assert.Equal("PassphraseRequired", Refused(() => new ImageManager().GetInfo(image, null, default)).ErrorId);
        using var wrong = new Passphrase("another long passphrase");
        var ex = Refused(() => new ImageManager().GetInfo(image, wrong, default));
        Assert.Equal(("WrongPassphrase", FailureKind.SecurityError), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void NewBackupImage_Example2_ABundlePathMakesAnUnencryptedBundleWithTheFreeSpaceAsCapacity()
    {
        string image = NewImage("server.psimgbundle");
        var info = Info(image);
        Assert.Equal((ImageLayout.Bundle, ImageEncryption.None), (info.Layout, info.Encryption));
        Assert.True(Directory.Exists(image));
        Assert.True(File.Exists(Path.Combine(image, "psimg")));
        long free = new DriveInfo(_dir.Path(".")).AvailableFreeSpace;
        Assert.InRange(info.Capacity, free - (64L << 20), free + (64L << 20));

        var src = _dir.Tree("srv").File("www/index.html", "<html/>");
        Backup(src.Root, image);
        Assert.Equal(1, Info(image).SnapshotCount);
    }

    [Fact]
    public void NewBackupImage_Example3_ThePassphraseComesFromTheEnvironment()
    {
        string image = _dir.Path("db.psimg");
        var env = PassphraseEnvironment(Secret);
        var made = Cli.Run(env, "image", "new", image, "--encryption", "aes128", "--kdf-iterations", "1000", "--json");
        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.Equal("Aes128", (string?)made.OfType("image").Single()["encryption"]);
        using var passphrase = new Passphrase(Secret);
        Assert.Equal(ImageEncryption.Aes128, Info(image, passphrase).Encryption);
        var refused = Cli.Run(PassphraseEnvironment("not the passphrase"), "image", "info", image, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("WrongPassphrase", (string?)refused.OfType("error").Single()["errorId"]);
    }

    // ---------------------------------------------------------------- Get-BackupImage

    [Fact]
    public void GetBackupImage_Example1_ShowsLayoutEncryptionSizesAndTheLatestSnapshot()
    {
        var (_, image, _, second) = TwoSnapshots();
        var info = Info(image);
        Assert.Equal((image, ImageLayout.SingleFile, ImageEncryption.None, 2), (info.Path, info.Layout, info.Encryption, info.SnapshotCount));
        Assert.Equal(second.Time, info.LatestSnapshot);
        Assert.InRange(info.Size, 1, info.Capacity);
        Assert.True(info.DiskSize > 0);
        Assert.False(info.Sealed);
    }

    [Fact]
    public void GetBackupImage_Example2_TheNearlyFullImagesAreFound()
    {
        var (_, roomy, _, _) = TwoSnapshots();
        string full = NewImage("full.psimg");
        var data = new byte[600_000];
        new Random(3).NextBytes(data);
        var big = _dir.Tree("big");
        File.WriteAllBytes(big.Full("data.bin"), data);
        Backup(big.Root, full);
        long size = Info(full).Size;
        new ImageManager().Resize(full, size + size / 20, null, NullEngineEvents.Instance, default);

        var nearlyFull = new[] { roomy, full }.Select(i => Info(i)).Where(i => i.Size > 0.9 * i.Capacity).Select(i => i.Path).ToList();
        Assert.Equal(new[] { full }, nearlyFull);
    }

    [Fact]
    public void GetBackupImage_Example3_AnEncryptedImageNeedsItsPassphrase()
    {
        var (_, image, _, _) = TwoSnapshots(ImageEncryption.Aes256);
        var ex = Refused(() => new ImageManager().GetInfo(image, null, default));
        Assert.Equal(("PassphraseRequired", FailureKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        using var passphrase = new Passphrase(Secret);
        Assert.Equal(2, new ImageManager().GetInfo(image, passphrase, default).SnapshotCount);
    }

    // ---------------------------------------------------------------- Get-BackupSnapshot

    [Fact]
    public void GetBackupSnapshot_Example1_ListsTheSnapshotsOldestFirst()
    {
        var (src, image, first, second) = TwoSnapshots();
        Assert.True(first.Time <= second.Time);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Matches("^[0-9a-f]{16}$", first.Id);
        Assert.Equal((SnapshotKind.Files, src.Root, 5L), (first.Kind, first.Source, first.Files));
        Assert.Equal(6, second.Files);
        Assert.Equal(second.Id, Snapshots(image)[^1].Id);
    }

    [Fact]
    public void GetBackupSnapshot_Example2_LatestAndALastOfTheListAreTheSameSnapshot()
    {
        var (_, image, first, second) = TwoSnapshots();
        using var browser = new ImageManager().OpenBrowser(image, null);
        Assert.Equal(second.Id, browser.GetItem("latest", "")!.SnapshotId);
        Assert.Equal(first.Id, browser.GetItem(first.Id[..4], "")!.SnapshotId);
        Assert.Equal(second.Id, browser.Snapshots[^1].Id);
    }

    [Fact]
    public void GetBackupSnapshot_Example3_AnUnchangedRunAddsAlmostNothing()
    {
        var src = _dir.Tree("data");
        var bytes = new byte[400_000];
        new Random(4).NextBytes(bytes);
        File.WriteAllBytes(src.Full("big.bin"), bytes);
        src.File("small.txt", "small");
        string image = NewImage("data.psimg");
        Backup(src.Root, image);
        Backup(src.Root, image);
        var (first, again) = (Snapshots(image)[0], Snapshots(image)[1]);
        Assert.InRange(first.AddedBytes, 350_000, 450_000);
        Assert.Equal(first.Bytes, again.Bytes);
        Assert.True(again.AddedBytes < 4096, $"an unchanged run added {again.AddedBytes} bytes");
        Assert.True(again.AddedChunks <= 2, $"an unchanged run added {again.AddedChunks} chunks");
    }

    // ---------------------------------------------------------------- Remove-BackupSnapshot

    /// <summary>An image with <paramref name="count"/> snapshots of a file that changes each time.</summary>
    private string ImageWithRuns(int count)
    {
        var src = _dir.Tree("Documents").File("a.txt", "0");
        string image = NewImage("laptop.psimg");
        for (int i = 1; i <= count; i++)
        {
            src.File("a.txt", new string('x', i));
            Backup(src.Root, image);
        }
        return image;
    }

    [Fact]
    public void RemoveBackupSnapshot_Example1_RemovesOneSnapshotAndTheOtherStillRestores()
    {
        var (src, image, first, second) = TwoSnapshots();
        var removed = Forget(new ImageForgetRequest { Image = image, Snapshots = new[] { first.Id[..8] } });
        Assert.Equal(new[] { first.Id }, removed.Select(s => s.Id));
        Assert.Equal(new[] { second.Id }, Snapshots(image).Select(s => s.Id));
        string target = _dir.Path("restore");
        Assert.Equal(CloneStatus.Success, Restore(new ImageRestoreRequest { Image = image, Target = target }).Result.Status);
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(target, skipReserved: true));
        Assert.Equal("SnapshotNotFound", Refused(() => Forget(new ImageForgetRequest { Image = image, Snapshots = new[] { first.Id } })).ErrorId);
    }

    [Fact]
    public void RemoveBackupSnapshot_Example2_KeepLastAndKeepDailyKeepTheNewestThreeOfTheDay()
    {
        string image = ImageWithRuns(5);
        var all = Snapshots(image);
        var removed = Forget(new ImageForgetRequest { Image = image, KeepLast = 3, KeepDaily = 7 });
        // All five were made today: the daily rule keeps today's newest, which KeepLast keeps already.
        Assert.Equal(all.Take(2).Select(s => s.Id), removed.Select(s => s.Id));
        Assert.Equal(all.Skip(2).Select(s => s.Id), Snapshots(image).Select(s => s.Id));
        Assert.Equal("InvalidRetention", Refused(() => Forget(new ImageForgetRequest { Image = image, KeepLast = -1 })).ErrorId);
    }

    [Fact]
    public void RemoveBackupSnapshot_Example3_ThePreviewChangesNothingAndTheRemovalTakesExactlyThoseSnapshots()
    {
        string image = ImageWithRuns(4);
        var all = Snapshots(image);
        var old = all.Where(s => s.Time < all[2].Time).Select(s => s.Id).ToList();
        Assert.NotEmpty(old);
        byte[] before = File.ReadAllBytes(image);

        var preview = Forget(new ImageForgetRequest { Image = image, Snapshots = old, DryRun = true });
        Assert.Equal(old, preview.Select(s => s.Id));
        Assert.Equal(before, File.ReadAllBytes(image));

        var removed = Forget(new ImageForgetRequest { Image = image, Snapshots = old });
        Assert.Equal(old, removed.Select(s => s.Id));
        Assert.Equal(all.Select(s => s.Id).Except(old), Snapshots(image).Select(s => s.Id));
    }

    // ---------------------------------------------------------------- Get-BackupImageItem

    [Fact]
    public void GetBackupImageItem_Example1_ListsTheRootOfTheLatestSnapshot()
    {
        var (_, image, _, _) = TwoSnapshots();
        Assert.Equal(new[] { "Letters", "a.txt", "new.txt", "report.txt" }, Items(image, null, null, false));
        using var browser = new ImageManager().OpenBrowser(image, null);
        var letters = ImageItemQuery.Find(browser, null, null, false, default).Single(e => e.Name == "Letters");
        Assert.Equal((ItemType.Directory, "d"), (letters.ItemType, letters.Mode[..1]));
    }

    [Fact]
    public void GetBackupImageItem_Example2_FindsDocumentsAtAnyDepthOnlyWithRecurse()
    {
        var (_, image, _, _) = TwoSnapshots();
        Assert.Equal(new[] { "Letters/2025/old.docx", "Letters/offer.docx" }, Items(image, null, "*.docx", true));
        Assert.Empty(Items(image, null, "*.docx", false));
    }

    [Fact]
    public void GetBackupImageItem_Example3_AnOlderSnapshotShowsTheFileAsItWas()
    {
        var (src, image, first, second) = TwoSnapshots();
        using var browser = new ImageManager().OpenBrowser(image, null);
        var old = ImageItemQuery.Find(browser, first.Id, "Letters/offer.docx", false, default).Single();
        var now = ImageItemQuery.Find(browser, second.Id, "Letters/offer.docx", false, default).Single();
        Assert.Equal((8L, first.Id), (old.Size, old.SnapshotId));
        Assert.Equal(new FileInfo(src.Full("Letters/offer.docx")).Length, now.Size);
        Assert.NotEqual(old.LastWriteTime, now.LastWriteTime);
    }

    // ---------------------------------------------------------------- Restore-BackupImageItem

    [Fact]
    public void RestoreBackupImageItem_Example1_TheWholeLatestSnapshotRestoresExactly()
    {
        var (src, image, _, second) = TwoSnapshots();
        string target = _dir.Path("restore/laptop");
        Directory.CreateDirectory(_dir.Path("restore"));
        var (result, _) = Restore(new ImageRestoreRequest { Image = image, Target = target, Snapshot = "latest" });
        Assert.Equal((CloneStatus.Success, second.Id, 0L), (result.Status, result.SnapshotId, result.ItemsFailed));
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(target, skipReserved: true));
    }

    [Fact]
    public void RestoreBackupImageItem_Example2_ThePipelineRestoresOnlyTheDocuments()
    {
        var (src, image, _, second) = TwoSnapshots();
        // Get-BackupSnapshot | Select-Object -Last 1 | Get-BackupImageItem -Path '*.docx' -Recurse | Restore-BackupImageItem
        var last = Snapshots(image)[^1];
        List<BackupImageEntry> entries;
        using (var browser = new ImageManager().OpenBrowser(last.Image, null))
            entries = ImageItemQuery.Find(browser, last.Id, "*.docx", true, default).ToList();
        string target = _dir.Path("Recovered");
        var (result, _) = Restore(new ImageRestoreRequest
        {
            Image = entries[0].Image,
            Snapshot = entries[0].SnapshotId,
            Target = target,
            ExactPaths = entries.Select(e => e.RelativePath).ToList(),
        });
        Assert.Equal((CloneStatus.Success, second.Id, 2L), (result.Status, result.SnapshotId, result.ItemsRestored));
        var restored = ExampleTree.Snapshot(target, skipReserved: true).Where(l => l.Contains(" file ")).ToList();
        Assert.Equal(src.Snapshot().Where(l => l.Contains(".docx ")), restored);
        Assert.False(File.Exists(Path.Combine(target, "a.txt")));
        Assert.False(File.Exists(Path.Combine(target, "Letters/list.txt")));
    }

    [Fact]
    public void RestoreBackupImageItem_Example3_ForceReplacesTheCurrentFileWithTheOlderVersion()
    {
        var (src, image, first, _) = TwoSnapshots();
        var request = new ImageRestoreRequest { Image = image, Snapshot = first.Id, Target = src.Root, Paths = new[] { "Letters/offer.docx" } };
        var (refused, events) = Restore(request);
        Assert.Equal((CloneStatus.CompletedWithErrors, 1L), (refused.Status, refused.ItemsFailed));
        Assert.Equal("RestoreTargetExists", Assert.Single(events.Errors).ErrorId);
        Assert.Equal("offer v2, longer", File.ReadAllText(src.Full("Letters/offer.docx")));

        var (forced, _) = Restore(request with { Force = true });
        Assert.Equal((CloneStatus.Success, 1L), (forced.Status, forced.ItemsRestored));
        Assert.Equal("offer v1", File.ReadAllText(src.Full("Letters/offer.docx")));
        Assert.Equal("new", File.ReadAllText(src.Full("new.txt"))); // nothing else was touched
    }

    // ---------------------------------------------------------------- Compress-BackupImage

    [Fact]
    public void CompressBackupImage_Example1_TheSealedCopyHoldsTheSameSnapshotsAndItsSealIsChecked()
    {
        var (src, image, _, _) = TwoSnapshots();
        string archive = _dir.Path("laptop-2026.psimg");
        var copy = new ImageManager().Compress(image, archive, null, NullEngineEvents.Instance, default);
        Assert.True(copy.Sealed);
        Assert.Equal(Snapshots(image).Select(s => s.Id), Snapshots(archive).Select(s => s.Id));
        var verified = new ImageManager().Verify(archive, false, null, NullEngineEvents.Instance, default);
        Assert.True(verified.SealChecked && verified.Intact);
        string target = _dir.Path("from-archive");
        Assert.Equal(CloneStatus.Success, Restore(new ImageRestoreRequest { Image = archive, Target = target }).Result.Status);
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(target, skipReserved: true));
        Assert.Equal("ImageExists", Refused(() => new ImageManager().Compress(image, archive, null, NullEngineEvents.Instance, default)).ErrorId);
    }

    [Fact]
    public void CompressBackupImage_Example2_ASealedCopyRefusesChanges()
    {
        var (src, image, first, _) = TwoSnapshots();
        string archive = _dir.Path("laptop-2026.psimg");
        new ImageManager().Compress(image, archive, null, NullEngineEvents.Instance, default);
        byte[] before = File.ReadAllBytes(archive);
        src.File("later.txt", "later");
        var run = Refused(() => new CloneEngine().Run(new CloneRequest { Source = src.Root, Destination = archive, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } }, new ExampleEvents(), default));
        Assert.Equal("ImageSealed", run.ErrorId);
        Assert.Equal("ImageSealed", Refused(() => Forget(new ImageForgetRequest { Image = archive, Snapshots = new[] { first.Id } })).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().Resize(archive, 1L << 40, null, NullEngineEvents.Instance, default)).ErrorId);
        Assert.Equal("ImageSealed", Refused(() => new ImageManager().Compact(archive, null, NullEngineEvents.Instance, default)).ErrorId);
        Assert.Equal(before, File.ReadAllBytes(archive));
    }

    // ---------------------------------------------------------------- Optimize-BackupImage

    /// <summary>An image whose first snapshot holds 600 KB that the second no longer has.</summary>
    private (ExampleTree Source, string Image) ImageWithDeadContent(string name)
    {
        var src = _dir.Tree(name);
        var bytes = new byte[600_000];
        new Random(name.Length).NextBytes(bytes);
        File.WriteAllBytes(src.Full("video.bin"), bytes);
        src.File("keep.txt", "keep");
        string image = NewImage(name + ".psimg");
        Backup(src.Root, image);
        File.Delete(src.Full("video.bin"));
        Backup(src.Root, image);
        return (src, image);
    }

    [Fact]
    public void OptimizeBackupImage_Example1_RemovingSnapshotsThenOptimizingShrinksTheFile()
    {
        var (src, image) = ImageWithDeadContent("laptop");
        long heldBefore = Info(image).Size;
        Forget(new ImageForgetRequest { Image = image, KeepLast = 1 });
        Assert.True(Info(image).Size < heldBefore - 500_000, "removing the snapshot frees its content inside the image");
        long lengthBefore = new FileInfo(image).Length;
        var result = new ImageManager().Compact(image, null, NullEngineEvents.Instance, default);
        long lengthAfter = new FileInfo(image).Length;
        Assert.True(lengthAfter < lengthBefore - 500_000, $"the file went from {lengthBefore} to {lengthAfter} bytes");
        Assert.True(result.DiskSizeAfter <= result.DiskSizeBefore, $"disk {result.DiskSizeBefore} -> {result.DiskSizeAfter}");
        string target = _dir.Path("restore");
        Assert.Equal(CloneStatus.Success, Restore(new ImageRestoreRequest { Image = image, Target = target }).Result.Status);
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(target, skipReserved: true));
    }

    [Fact]
    public void OptimizeBackupImage_Example2_EveryImageIsCompactedAndOneWithoutUnusedSpaceStaysAsItIs()
    {
        var (_, withDead) = ImageWithDeadContent("nas1");
        Forget(new ImageForgetRequest { Image = withDead, KeepLast = 1 });
        var clean = NewImage("nas2.psimg");
        Backup(_dir.Tree("nas2-src").File("a.txt", "a").Root, clean);
        long lengthBefore = new FileInfo(withDead).Length;
        var results = new[] { withDead, clean }.Select(i => new ImageManager().Compact(i, null, NullEngineEvents.Instance, default)).ToList();
        Assert.True(new FileInfo(withDead).Length < lengthBefore - 500_000);
        Assert.Equal((0, 0), (results[1].PacksRemoved, results[1].PacksRewritten));
        Assert.Equal(results[1].SizeBefore, results[1].SizeAfter);
    }

    // ---------------------------------------------------------------- Resize-BackupImage

    [Fact]
    public void ResizeBackupImage_Example1_TheCapacityGrows()
    {
        var (_, image, _, _) = TwoSnapshots();
        var info = new ImageManager().Resize(image, 500L << 30, null, NullEngineEvents.Instance, default);
        Assert.Equal(500L << 30, info.Capacity);
        Assert.Equal(500L << 30, Info(image).Capacity);
    }

    [Fact]
    public void ResizeBackupImage_Example2_AFullImageRefusesTheRunAndAddsNothingUntilItIsResized()
    {
        string image = NewImage("laptop.psimg", capacity: 1L << 20);
        var src = _dir.Tree("Videos");
        var bytes = new byte[2_000_000];
        new Random(9).NextBytes(bytes);
        File.WriteAllBytes(src.Full("clip.bin"), bytes);
        var full = Refused(() => new CloneEngine().Run(new CloneRequest { Source = src.Root, Destination = image, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } }, new ExampleEvents(), default));
        Assert.Equal(("ImageFull", FailureKind.QuotaExceeded), (full.ErrorId, full.Kind));
        Assert.Empty(Snapshots(image));

        new ImageManager().Resize(image, 64L << 20, null, NullEngineEvents.Instance, default);
        Backup(src.Root, image);
        Assert.Single(Snapshots(image));
    }

    [Fact]
    public void ResizeBackupImage_Example3_ACapacityBelowWhatTheImageHoldsIsRefused()
    {
        var (_, image, _, _) = TwoSnapshots();
        long before = Info(image).Capacity;
        var ex = Refused(() => new ImageManager().Resize(image, 1L << 10, null, NullEngineEvents.Instance, default));
        Assert.Equal(("CapacityTooSmall", FailureKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        Assert.Equal(before, Info(image).Capacity);
    }

    // ---------------------------------------------------------------- Test-BackupImage

    private static (ImageVerifyResult Result, List<ImageVerifyFinding> Findings) Verify(string image, bool readData)
    {
        var events = new ExampleEvents();
        var result = new ImageManager().Verify(image, readData, null, events, CancellationToken.None);
        return (result, events.Items.OfType<ImageVerifyFinding>().ToList());
    }

    /// <summary>A bundle with a large random file (in several data packs) and a small one; returns the bundle.</summary>
    private (ExampleTree Source, string Image) BundleWithData()
    {
        var src = _dir.Tree("laptop");
        var bytes = new byte[900_000];
        new Random(11).NextBytes(bytes);
        Directory.CreateDirectory(src.Full("photos"));
        File.WriteAllBytes(src.Full("photos/big.raw"), bytes);
        src.File("notes.txt", "notes");
        string image = NewImage("laptop.psimgbundle");
        Backup(src.Root, image);
        return (src, image);
    }

    /// <summary>Flips one byte in the middle of the largest pack file (chunk data, not metadata).</summary>
    private static void DamageData(string bundle)
    {
        var pack = new DirectoryInfo(bundle).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Name != "psimg").OrderByDescending(f => f.Length).First();
        using var stream = new FileStream(pack.FullName, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = pack.Length / 2;
        int b = stream.ReadByte();
        stream.Position = pack.Length / 2;
        stream.WriteByte((byte)(b ^ 0x10));
    }

    [Fact]
    public void TestBackupImage_Example1_AnIntactImageGivesOnlyTheSummary()
    {
        var (_, image, _, _) = TwoSnapshots();
        var (result, findings) = Verify(image, readData: false);
        Assert.Empty(findings);
        Assert.True(result.Intact);
        Assert.Equal((2, 0, false), (result.Snapshots, result.Problems, result.SealChecked));
        Assert.True(result.PacksChecked > 0);
    }

    [Fact]
    public void TestBackupImage_Example2_ReadDataNamesTheDamagedFileAndTheOthersStillRestore()
    {
        var (src, image) = BundleWithData();
        DamageData(image);
        var (result, findings) = Verify(image, readData: true);
        Assert.False(result.Intact);
        var damaged = findings.Where(f => f.Problem == ImageProblem.FileDamaged).Select(f => f.Path).Distinct().ToList();
        Assert.Equal(new[] { "photos/big.raw" }, damaged);
        Assert.All(findings.Where(f => f.Problem == ImageProblem.FileDamaged), f => Assert.Equal(Snapshots(image)[0].Id, f.SnapshotId));

        string target = _dir.Path("restore");
        var (restore, events) = Restore(new ImageRestoreRequest { Image = image, Target = target });
        Assert.Equal(1, restore.ItemsFailed);
        Assert.Equal("RestoreChunkDamaged", Assert.Single(events.Errors).ErrorId);
        Assert.Equal("notes", File.ReadAllText(Path.Combine(target, "notes.txt")));
    }

    [Fact]
    public void TestBackupImage_Example3_QuietIsTrueForAnIntactImageAndFalseAfterDamage()
    {
        var (_, image) = BundleWithData();
        Assert.True(Verify(image, readData: true).Result.Intact);
        DamageData(image);
        Assert.False(Verify(image, readData: true).Result.Intact);
    }

    // ---------------------------------------------------------------- Set-BackupImagePassphrase

    [Fact]
    public void SetBackupImagePassphrase_Example1_TheNewPassphraseOpensTheImageAndTheOldOneNoLonger()
    {
        var (src, image, _, _) = TwoSnapshots(ImageEncryption.Aes256);
        using var current = new Passphrase(Secret);
        using var replacement = new Passphrase("a brand new passphrase");
        new ImageManager().ChangePassphrase(image, current, replacement, null, NullEngineEvents.Instance, default);
        Assert.Equal("WrongPassphrase", Refused(() => new ImageManager().GetInfo(image, current, default)).ErrorId);
        Assert.Equal(2, new ImageManager().GetSnapshots(image, replacement, default).Count);
        string target = _dir.Path("restore");
        Assert.Equal(CloneStatus.Success, new ImageManager().Restore(new ImageRestoreRequest { Image = image, Target = target }, replacement, NullEngineEvents.Instance, default).Status);
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(target, skipReserved: true));
    }

    [Fact]
    public void SetBackupImagePassphrase_Example2_BothPassphrasesComeFromTheEnvironment()
    {
        var (_, image, _, _) = TwoSnapshots(ImageEncryption.Aes256);
        const string next = "the passphrase of next year";
        var changed = Cli.Run(PassphraseEnvironment(Secret, next), "image", "passwd", image, "--kdf-iterations", "1000");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        using var passphrase = new Passphrase(next);
        Assert.Equal(2, Info(image, passphrase).SnapshotCount);
        var missing = Cli.Run(PassphraseEnvironment(next), "image", "passwd", image, "--json");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("PassphraseRequired", (string?)missing.OfType("error").Single()["errorId"]);
    }

    [Fact]
    public void SetBackupImagePassphrase_Example3_AnUnencryptedImageIsRefused()
    {
        var (_, image, _, _) = TwoSnapshots();
        byte[] before = File.ReadAllBytes(image);
        using var none = new Passphrase("");
        using var replacement = new Passphrase("a brand new passphrase");
        var ex = Refused(() => new ImageManager().ChangePassphrase(image, none, replacement, null, NullEngineEvents.Instance, default));
        Assert.Equal(("ImageNotEncrypted", FailureKind.InvalidOperation), (ex.ErrorId, ex.Kind));
        Assert.Equal(before, File.ReadAllBytes(image));
    }

    // ---------------------------------------------------------------- Mount-BackupImage, Dismount-BackupImage

    private static ImageDriveView Mount(string image, string? snapshot = null, bool all = false)
    {
        using var passphrase = PassFor(image);
        return new ImageDriveView(new ImageManager().OpenBrowser(image, passphrase), snapshot, all);
    }

    private static List<string> Lines(ImageDriveView view, string path)
    {
        using var reader = new ImageContentReader(view.OpenContent(path), ImageContentMode.Lines);
        return reader.Read(0).Cast<string>().ToList();
    }

    [Fact]
    public void MountBackupImage_Example1_TheDriveShowsTheLatestSnapshotAndItsContent()
    {
        var (src, image, _, second) = TwoSnapshots();
        using var bk = Mount(image);
        Assert.Equal(second.Id, bk.Snapshot!.Id);
        var listed = bk.Walk(bk.Root, uint.MaxValue, default).Select(i => ((BackupImageEntry)i.Item).Path).ToList();
        var expected = src.Snapshot().Select(l => l[..l.IndexOf(' ')]).ToList();
        Assert.Equal(expected, listed.Order(StringComparer.Ordinal));
        Assert.True(listed.IndexOf("Letters") < listed.IndexOf("Letters/2025/old.docx"));
        Assert.Equal(new[] { "alpha", "beta" }, Lines(bk, @"a.txt"));
        Assert.True(bk.IsContainer(@"Letters\2025"));
    }

    [Fact]
    public void MountBackupImage_Example2_EverySnapshotIsAFolderAndLatestNamesTheNewest()
    {
        var (_, image, first, second) = TwoSnapshots();
        using var hist = Mount(image, all: true);
        var ids = hist.GetChildren(hist.Root).Select(c => ((BackupSnapshot)c.Item).Id).ToList();
        Assert.Equal(new[] { first.Id, second.Id }, ids);
        var before = Lines(hist, $"{ids[0]}/report.txt");
        var after = Lines(hist, "latest/report.txt");
        Assert.Equal(new[] { "line one", "line two" }, before);
        Assert.Equal(new[] { "line one", "line 2" }, after);
        Assert.Equal(new[] { "line two" }, before.Except(after));
    }

    [Fact]
    public void MountBackupImage_Example3_AMountedImageRefusesABackupUntilItIsDismounted()
    {
        var (src, image, _, _) = TwoSnapshots(ImageEncryption.Aes256);
        var bk = Mount(image);
        var letters = bk.Walk("Letters", uint.MaxValue, default).Select(i => (BackupImageEntry)i.Item).ToList();
        string target = _dir.Path("Recovered");
        var (result, _) = Restore(new ImageRestoreRequest { Image = image, Snapshot = letters[0].SnapshotId, Target = target, ExactPaths = letters.Select(e => e.RelativePath).ToList() });
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal("offer v2, longer", File.ReadAllText(Path.Combine(target, "Letters/offer.docx")));

        src.File("later.txt", "later");
        using (var passphrase = new Passphrase(Secret))
        {
            var busy = Refused(() => new CloneEngine().Run(new CloneRequest { Source = src.Root, Destination = image, Passphrase = passphrase, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } }, new ExampleEvents(), default));
            Assert.Equal(("ImageBusy", FailureKind.ResourceBusy), (busy.ErrorId, busy.Kind));
        }
        bk.Dispose();
        Backup(src.Root, image);
        Assert.Equal(3, Snapshots(image).Count);
    }

    [Fact]
    public void DismountBackupImage_Example1_TheImageIsClosedAndABackupRunsAgain()
    {
        var (src, image, _, _) = TwoSnapshots();
        var bk = Mount(image);
        var described = bk.Describe("bk");
        Assert.Equal(("bk", image), (described.Name, described.Image));
        Assert.Equal("ImageBusy", Refused(() => new ImageManager().Compact(image, null, NullEngineEvents.Instance, default)).ErrorId);
        bk.Dispose();
        Backup(src.Root, image);
    }

    [Fact]
    public void DismountBackupImage_Example2_EveryDriveIsClosed()
    {
        var (src, image, _, _) = TwoSnapshots();
        var drives = new[] { Mount(image), Mount(image, all: true) };
        Assert.Equal(new string?[] { Snapshots(image)[^1].Id, null }, drives.Select(d => d.Describe("x").SnapshotId));
        foreach (var drive in drives) drive.Dispose();
        Backup(src.Root, image);
        Assert.Equal(3, Snapshots(image).Count);
    }
}
