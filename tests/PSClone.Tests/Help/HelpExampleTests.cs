using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PSClone.Cloning;
using Xunit;

namespace PSClone.Tests.Help;

/// <summary>One test per example in docs/help: the same operation through the engine's public API
/// (the cmdlets are thin hosts over it), on real trees, asserting what the example says happens.
/// Test names are Page_ExampleN_What; HelpCoverageTests checks that the two sides match.</summary>
public sealed partial class HelpExampleTests : IDisposable
{
    private readonly ExampleFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---------------------------------------------------------------- Invoke-Clone

    [Fact]
    public void InvokeClone_Example1_FirstRunCopiesEverythingSecondRunCopiesNothing()
    {
        var src = _dir.Tree("Documents").File("a.txt", "alpha").File("Letters/offer.docx", "offer").File("Letters/2025/old.docx", "old");
        string dst = _dir.Path("backup/Documents");
        Directory.CreateDirectory(_dir.Path("backup"));

        var first = Clone(src.Root, dst);
        Assert.Equal(CloneStatus.Success, first.Result.Status);
        Assert.Equal(5, first.Result.ItemsCopied); // 3 files, 2 folders
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(dst, skipReserved: true));
        Assert.True(File.Exists(Path.Combine(dst, ".psclone")), "the first run writes the identity marker");

        var second = Clone(src.Root, dst);
        Assert.Equal(CloneStatus.Success, second.Result.Status);
        Assert.Equal(0, second.Result.ItemsCopied);
        Assert.Equal(0, second.Result.ItemsUpdated);
        Assert.Equal(0, second.Result.ItemsArchived);
        Assert.Equal(0, second.Result.BytesCopied);
        Assert.Empty(second.Events.Items);
    }

    [Fact]
    public void InvokeClone_Example2_WhatIfListsThePlanChangesNothingAndTheRealRunDoesExactlyThat()
    {
        var src = _dir.Tree("Documents").File("report.docx", "version one").File("notes/a.txt", "a").File("notes/b.txt", "b");
        string dst = _dir.Path("Backup");
        Clone(src.Root, dst);
        src.File("report.docx", "version two, longer").File("notes/c.txt", "c").Delete("notes/b.txt");
        var before = ExampleTree.Snapshot(dst, skipReserved: false);

        var preview = Clone(src.Root, dst, r => r with { DryRun = true });
        Assert.True(preview.Result.DryRun);
        Assert.Equal(before, ExampleTree.Snapshot(dst, skipReserved: false));
        Assert.False(Directory.Exists(Path.Combine(dst, "_PSClone SafetyNet")));
        var planned = Describe(preview.Events.CloneItems);
        Assert.Equal(new[]
        {
            "Archived notes/b.txt (Deleted from source)",
            "Archived report.docx (Modified)",
            "Copied notes/c.txt (New)",
            "Updated report.docx (Size differs (11 -> 19))",
        }, planned);
        Assert.Equal(planned.Count(p => p.StartsWith("Copied", StringComparison.Ordinal)), preview.Result.ItemsCopied);

        var real = Clone(src.Root, dst);
        Assert.Equal(planned, Describe(real.Events.CloneItems));
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(dst, skipReserved: true));
    }

    [Fact]
    public void InvokeClone_Example3_ExcludedItemsStayOutAndPassThruShowsWhatWasArchived()
    {
        var src = _dir.Tree("projects")
            .File("readme.md", "read me")
            .File("app/src/main.js", "main")
            .File("app/node_modules/lib/index.js", "dependency")
            .File("node_modules/tool.js", "tool")
            .File("build.tmp", "scratch")
            .File("app/cache/blob.bin", "cached")
            .File("docs/old.txt", "old");
        string dst = _dir.Path("nas/projects");
        Directory.CreateDirectory(Path.Combine(dst, "cache"));
        File.WriteAllText(Path.Combine(dst, "cache", "keep.bin"), "excluded on the destination too");
        string[] exclude = { "**/node_modules", "*.tmp", "cache/" };

        var first = Clone(src.Root, dst, r => r with { Exclude = exclude });
        Assert.Equal(CloneStatus.Success, first.Result.Status);
        foreach (var gone in new[] { "app/node_modules", "node_modules", "build.tmp", "app/cache" })
            Assert.False(Path.Exists(Path.Combine(dst, gone)), $"{gone} is excluded but was cloned");
        Assert.Equal("main", File.ReadAllText(Path.Combine(dst, "app/src/main.js")));

        src.File("readme.md", "read me, edited").Delete("docs/old.txt");
        var second = Clone(src.Root, dst, r => r with { Exclude = exclude });
        var archived = second.Events.CloneItems.Where(i => i.Action == CloneAction.Archived).Select(i => $"{i.RelativePath} ({i.Reason})").Order().ToList();
        Assert.Equal(new[] { "docs/old.txt (Deleted from source)", "readme.md (Modified)" }, archived);
        Assert.Equal("excluded on the destination too", File.ReadAllText(Path.Combine(dst, "cache", "keep.bin")));

        var kept = new SafetyNetManager().GetItems(dst, runName: Path.GetFileName(second.Result.SafetyNetFolder)).Select(i => $"{i.RelativePath} {i.Reason}").Order();
        Assert.Equal(new[] { "docs/old.txt Deleted", "readme.md Modified" }, kept);
        Assert.Equal("read me", File.ReadAllText(Path.Combine(second.Result.SafetyNetFolder!, "readme.md")));
    }

    [Fact]
    public void InvokeClone_Example4_AnEmptySourceIsRefusedAndTheOtherJobsStillRun()
    {
        var photos = _dir.Tree("mnt/photos").File("2026/a.jpg", "a").File("2026/b.jpg", "b").File("2025/c.jpg", "c");
        var mail = _dir.Tree("srv/mail").File("inbox/1.eml", "hello");
        string photosBackup = _dir.Path("backup/photos"), mailBackup = _dir.Path("backup/mail");
        Directory.CreateDirectory(_dir.Path("backup"));
        var jobs = new[] { (photos.Root, photosBackup), (mail.Root, mailBackup) };
        foreach (var (source, destination) in jobs) Clone(source, destination, r => r with { SafetyNet = SafetyNetMode.Off });

        // The photo drive is not mounted: its mount point is an empty folder.
        photos.Delete("2026").Delete("2025");
        mail.File("inbox/2.eml", "second mail");
        var photosBefore = ExampleTree.Snapshot(photosBackup, skipReserved: true);

        var refused = new List<string>();
        var results = new List<CloneRunResult>();
        foreach (var (source, destination) in jobs)
        {
            try
            {
                results.Add(Clone(source, destination, r => r with { SafetyNet = SafetyNetMode.Off }).Result);
            }
            catch (PSCloneException ex)
            {
                Assert.True(ex.NothingDone);
                refused.Add($"{destination}: {ex.ErrorId}");
            }
        }
        Assert.Equal(new[] { $"{photosBackup}: EmptySource" }, refused);
        Assert.Equal(photosBefore, ExampleTree.Snapshot(photosBackup, skipReserved: true));
        var mailRun = Assert.Single(results);
        Assert.Equal(CloneStatus.Success, mailRun.Status);
        Assert.Equal("second mail", File.ReadAllText(Path.Combine(mailBackup, "inbox/2.eml")));
    }

    // ---------------------------------------------------------------- Test-Clone

    [Fact]
    public void TestClone_Example1_ReportsOneObjectPerDifference()
    {
        var src = _dir.Tree("Documents").File("a.txt", "alpha").File("notes.txt", "notes").File("docs/b.txt", "b");
        string dst = _dir.Path("Backup");
        Clone(src.Root, dst);
        Assert.Empty(Compare(src.Root, dst).Differences);

        src.File("docs/new.txt", "new");                                   // Missing (and docs' time changes)
        File.WriteAllText(Path.Combine(dst, "extra.txt"), "only here");    // Extra (and the root's time changes)
        src.File("a.txt", "alpha, grown");                                  // ContentDiffers
        File.SetLastWriteTimeUtc(src.Full("notes.txt"), new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)); // MetadataDiffers

        var found = Compare(src.Root, dst);
        Assert.Empty(found.Events.Errors);
        Assert.Equal(new[]
        {
            "ContentDiffers a.txt: Size differs (5 on the destination, 12 in the source)",
            "Extra extra.txt: Not in the source",
            "MetadataDiffers .: Modified time differs",
            "MetadataDiffers docs: Modified time differs",
            "MetadataDiffers notes.txt: Modified time differs",
            "Missing docs/new.txt: Not on the destination",
        }, found.Differences.Select(d => $"{d.Difference} {d.RelativePath}: {d.Detail}").Order(StringComparer.Ordinal));
        Assert.Equal(6, found.Count);
    }

    [Fact]
    public void TestClone_Example2_QuietIsTrueRightAfterACloneAndFalseOnceSomethingDiffers()
    {
        var src = _dir.Tree("data").File("db/records.bin", "0123456789").File("config.json", "{}");
        string dst = _dir.Path("backup-data");
        var run = Clone(src.Root, dst).Result;

        // Test-Clone binds Source and Destination from the CloneRunResult by property name.
        var quiet = Compare(run.Source, run.Destination);
        Assert.Equal(0, quiet.Count);
        Assert.Empty(quiet.Events.Errors);

        src.File("config.json", "{ \"changed\": true }");
        Assert.NotEqual(0, Compare(run.Source, run.Destination).Count);
    }

    [Fact]
    public void TestClone_Example3_ChecksumFindsChangedBytesThatSizeAndTimeMiss()
    {
        var src = _dir.Tree("data").File("archive/2019.tar", "original bytes!").File("other.txt", "fine");
        string dst = _dir.Path("backup");
        Clone(src.Root, dst);

        string copy = Path.Combine(dst, "archive/2019.tar");
        var time = File.GetLastWriteTimeUtc(copy);
        File.WriteAllText(copy, "flipped bytes!!");                         // same length, other bytes
        File.SetLastWriteTimeUtc(copy, time);

        Assert.Equal(0, Compare(src.Root, dst).Count);
        var audit = Compare(src.Root, dst, checksum: true);
        var d = Assert.Single(audit.Differences);
        Assert.Equal((DifferenceKind.ContentDiffers, "archive/2019.tar", "Content differs"), (d.Difference, d.RelativePath, d.Detail));
    }

    // ---------------------------------------------------------------- Get-SafetyNetItem

    [Fact]
    public void GetSafetyNetItem_Example1_ListsArchivedItemsNewestRunFirst()
    {
        var (src, dst) = ClonedPair(("report.txt", "v1"), ("docs/a.txt", "a"), ("docs/b.txt", "b"));
        src.File("report.txt", "version 2");
        var run1 = Clone(src.Root, dst).Result;
        src.Delete("docs/b.txt");
        var run2 = Clone(src.Root, dst).Result;

        var items = new SafetyNetManager().GetItems(dst).ToList();
        Assert.Equal(new[]
        {
            $"{Path.GetFileName(run2.SafetyNetFolder)} docs/b.txt Deleted File 1",
            $"{Path.GetFileName(run1.SafetyNetFolder)} report.txt Modified File 2",
        }, items.Select(i => $"{i.RunName} {i.RelativePath} {i.Reason} {i.ItemType} {i.Size}"));
        Assert.All(items, i => Assert.True(File.Exists(i.ArchivedPath)));
        Assert.All(items, i => Assert.Equal(dst, i.Destination));
    }

    [Fact]
    public void GetSafetyNetItem_Example2_PathFindsNamesAtAnyDepthAndRecurseLooksInsideArchivedFolders()
    {
        var (src, dst) = ClonedPair(("Letters/offer.docx", "offer v1"), ("Projects/Old/plan.docx", "plan"), ("Projects/Old/notes.txt", "notes"), ("Projects/New/x.txt", "x"));
        src.File("Letters/offer.docx", "offer v2!").Delete("Projects/Old");
        Clone(src.Root, dst);
        var manager = new SafetyNetManager();

        Assert.Equal(new[] { "Letters/offer.docx" }, manager.GetItems(dst, "*.docx").Select(i => i.RelativePath));
        Assert.Equal(new[] { "Projects/Old" }, manager.GetItems(dst, "Projects/*").Select(i => i.RelativePath));
        Assert.Equal(new[] { "Letters/offer.docx", "Projects/Old/plan.docx" },
            manager.GetItems(dst, "*.docx", recurse: true).Select(i => i.RelativePath).Order(StringComparer.Ordinal));
        var inner = manager.GetItems(dst, "*.docx", recurse: true).Single(i => i.RelativePath == "Projects/Old/plan.docx");
        Assert.Equal((SafetyNetReason.Deleted, ItemType.File, 4L), (inner.Reason, inner.ItemType, inner.Size));
    }

    [Fact]
    public void GetSafetyNetItem_Example3_DeletedItemsSortByRawSize()
    {
        var (src, dst) = ClonedPair(("d/small.bin", "12"), ("d/large.bin", new string('x', 5000)), ("d/medium.bin", new string('y', 300)), ("kept.txt", "k"));
        src.File("kept.txt", "kept, but changed").Delete("d/small.bin").Delete("d/large.bin").Delete("d/medium.bin");
        Clone(src.Root, dst);

        var largest = new SafetyNetManager().GetItems(dst)
            .Where(i => i.Reason == SafetyNetReason.Deleted)
            .OrderByDescending(i => i.Size)
            .Take(5)
            .Select(i => (i.RelativePath, i.Size));
        Assert.Equal(new[] { ("d/large.bin", 5000L), ("d/medium.bin", 300L), ("d/small.bin", 2L) }, largest);
    }

    [Fact]
    public void GetSafetyNetItem_Example4_RunNameFromTheSummaryListsWhatThatRunArchived()
    {
        var (src, dst) = ClonedPair(("a.txt", "a1"), ("w/b.txt", "b"), ("w/c.txt", "c"));
        src.File("a.txt", "a2, longer");
        Clone(src.Root, dst);
        src.File("a.txt", "a3").Delete("w/b.txt");
        var run = Clone(src.Root, dst);

        Assert.NotNull(run.Result.SafetyNetFolder);
        var listed = new SafetyNetManager().GetItems(run.Result.Destination, runName: Path.GetFileName(run.Result.SafetyNetFolder))
            .Select(i => i.RelativePath).Order(StringComparer.Ordinal);
        var archived = run.Events.CloneItems.Where(i => i.Action == CloneAction.Archived).Select(i => i.RelativePath).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "a.txt", "w/b.txt" }, listed);
        Assert.Equal(archived, listed);

        var quiet = Clone(src.Root, dst).Result;
        Assert.Null(quiet.SafetyNetFolder);
    }

    // ---------------------------------------------------------------- Restore-SafetyNetItem

    [Fact]
    public void RestoreSafetyNetItem_Example1_PipedDocumentsAreRestoredUnderTheTargetPath()
    {
        var (src, dst) = ClonedPair(("Letters/offer.docx", "offer"), ("Letters/2025/old.docx", "old letter"), ("Letters/list.txt", "list"), ("Letters/keep.docx", "keep"));
        src.Delete("Letters/offer.docx").Delete("Letters/2025/old.docx").Delete("Letters/list.txt");
        Clone(src.Root, dst);
        string recovered = _dir.Path("Recovered");
        var destinationBefore = ExampleTree.Snapshot(dst, skipReserved: false);
        var manager = new SafetyNetManager();

        var results = new List<SafetyNetRestoreResult>();
        foreach (var piped in manager.GetItems(dst, "*.docx"))
        {
            // Piped items bind to -LiteralPath (RelativePath) with -RunName and -Destination.
            var item = manager.FindItem(piped.Destination, piped.RunName, piped.RelativePath);
            Assert.NotNull(item);
            results.Add(manager.Restore(item, recovered, force: false, CancellationToken.None));
        }

        Assert.Equal(new[] { "Letters/2025/old.docx", "Letters/offer.docx" }, results.Select(r => r.RelativePath).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal(Path.Combine(recovered, r.RelativePath), r.RestoredPath));
        Assert.Equal("offer", File.ReadAllText(Path.Combine(recovered, "Letters/offer.docx")));
        Assert.Equal("old letter", File.ReadAllText(Path.Combine(recovered, "Letters/2025/old.docx")));
        Assert.False(File.Exists(Path.Combine(recovered, "Letters/list.txt")));
        Assert.Equal(destinationBefore, ExampleTree.Snapshot(dst, skipReserved: false));
    }

    [Fact]
    public void RestoreSafetyNetItem_Example2_PathPutsADeletedFolderBackInPlace()
    {
        var (src, dst) = ClonedPair(("Projects/Apollo/plan.txt", "plan"), ("Projects/Apollo/data/a.csv", "1,2"), ("Projects/Gemini/x.txt", "x"));
        var apollo = ExampleTree.Snapshot(Path.Combine(dst, "Projects/Apollo"), skipReserved: false);
        src.Delete("Projects/Apollo");
        Clone(src.Root, dst);
        Assert.False(Directory.Exists(Path.Combine(dst, "Projects/Apollo")));
        var manager = new SafetyNetManager();

        var chosen = manager.SelectForRestore(dst, "Projects/Apollo");
        var folder = Assert.Single(chosen);
        var result = manager.Restore(folder, null, force: false, CancellationToken.None);

        Assert.Equal((ItemType.Directory, Path.Combine(dst, "Projects/Apollo")), (result.ItemType, result.RestoredPath));
        Assert.Equal(apollo, ExampleTree.Snapshot(Path.Combine(dst, "Projects/Apollo"), skipReserved: false));
        Assert.True(Directory.Exists(folder.ArchivedPath), "the SafetyNet keeps its copy");
    }

    [Fact]
    public void RestoreSafetyNetItem_Example3_ForceArchivesTheCurrentVersionBeforeRestoringTheOldOne()
    {
        var (src, dst) = ClonedPair(("budget.xlsx", "v1"));
        src.File("budget.xlsx", "v2 bigger");
        var run1 = Clone(src.Root, dst).Result;                  // archives v1
        src.File("budget.xlsx", "v3 biggest");
        Clone(src.Root, dst);                                     // archives v2
        string runName = Path.GetFileName(run1.SafetyNetFolder)!;
        var manager = new SafetyNetManager();
        var item = Assert.Single(manager.SelectForRestore(dst, "budget.xlsx", runName));

        var refused = Assert.Throws<PSCloneException>(() => manager.Restore(item, null, force: false, CancellationToken.None));
        Assert.Equal(("RestoreTargetExists", FailureKind.ResourceExists), (refused.ErrorId, refused.Kind));
        Assert.Equal("v3 biggest", File.ReadAllText(Path.Combine(dst, "budget.xlsx")));

        var result = manager.Restore(item, null, force: true, CancellationToken.None);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(dst, "budget.xlsx")));
        Assert.NotNull(result.ReplacedItemArchivedIn);
        Assert.Equal("v3 biggest", File.ReadAllText(Path.Combine(result.ReplacedItemArchivedIn, "budget.xlsx")));
        var replaced = manager.GetItems(dst, "budget.xlsx", Path.GetFileName(result.ReplacedItemArchivedIn)).Single();
        Assert.Equal(SafetyNetReason.Modified, replaced.Reason);
    }

    // ---------------------------------------------------------------- Remove-SafetyNetItem

    [Fact]
    public void RemoveSafetyNetItem_Example1_ItemsArchivedBeforeTheCutoffAreRemovedExactly()
    {
        var (src, dst) = ClonedPair(("w/old.txt", "old"), ("w/new.txt", "new"), ("w/stays.txt", "s"));
        src.Delete("w/old.txt");
        var run1 = Clone(src.Root, dst).Result;
        Thread.Sleep(20);
        var cutoff = DateTimeOffset.Now;                          // stands for (Get-Date).AddDays(-30)
        Thread.Sleep(20);
        src.Delete("w/new.txt");
        Clone(src.Root, dst);
        var manager = new SafetyNetManager();

        foreach (var piped in manager.GetItems(dst).Where(i => i.ArchivedAt < cutoff).ToList())
            manager.Remove(manager.FindItem(piped.Destination, piped.RunName, piped.RelativePath)!, CancellationToken.None);

        Assert.Equal(new[] { "w/new.txt" }, manager.GetItems(dst).Select(i => i.RelativePath));
        Assert.False(Directory.Exists(run1.SafetyNetFolder), "a run folder left empty is removed");
    }

    [Fact]
    public void RemoveSafetyNetItem_Example2_PassThruSizesAddUpToTheBytesFreed()
    {
        var (src, dst) = ClonedPair(("img/a.iso", new string('a', 1000)), ("img/b.iso", new string('b', 2000)), ("img/sub/c.iso", new string('c', 400)), ("docs/c.txt", "text"));
        src.File("img/b.iso", new string('b', 2500));
        Clone(src.Root, dst);                                     // b.iso v1 (2000)
        src.File("img/b.iso", new string('b', 3000)).Delete("img/a.iso").Delete("img/sub").Delete("docs/c.txt");
        Clone(src.Root, dst);                                     // b.iso v2 (2500), a.iso, sub/ with c.iso, c.txt
        var manager = new SafetyNetManager();

        long freed = 0;
        foreach (var piped in manager.GetItems(dst, "*.iso", recurse: true).ToList())
        {
            var item = manager.FindItem(piped.Destination, piped.RunName, piped.RelativePath)!;
            manager.Remove(item, CancellationToken.None);
            freed += item.Size;                                   // -PassThru emits the removed item
        }

        Assert.Equal(1000 + 2000 + 2500 + 400, freed);
        Assert.DoesNotContain(manager.GetItems(dst, recurse: true), i => i.RelativePath.EndsWith(".iso", StringComparison.Ordinal));
        Assert.Contains(manager.GetItems(dst), i => i.RelativePath == "docs/c.txt");
    }

    [Fact]
    public void RemoveSafetyNetItem_Example3_PathSelectsEveryVersionOfEachPathAndWhatIfChangesNothing()
    {
        var (src, dst) = ClonedPair(("tmp/x.log", "x1"), ("tmp/y.log", "y1"), ("keep/z.txt", "z"));
        src.File("tmp/x.log", "x2 longer").Delete("tmp/y.log");
        var run1 = Clone(src.Root, dst).Result;                  // x.log v1, y.log
        src.File("tmp/x.log", "x3 longest!");
        var run2 = Clone(src.Root, dst).Result;                  // x.log v2
        var before = ExampleTree.Snapshot(dst, skipReserved: false);

        var selected = new SafetyNetManager().SelectForRemoval(dst, "tmp/*");

        Assert.Equal(new[]
        {
            $"tmp/x.log {Path.GetFileName(run1.SafetyNetFolder)}",
            $"tmp/y.log {Path.GetFileName(run1.SafetyNetFolder)}",
            $"tmp/x.log {Path.GetFileName(run2.SafetyNetFolder)}",
        }, selected.Select(i => $"{i.RelativePath} {i.RunName}"));
        Assert.Equal(before, ExampleTree.Snapshot(dst, skipReserved: false));
    }

    // ---------------------------------------------------------------- Clear-SafetyNet

    [Fact]
    public void ClearSafetyNet_Example1_MaxAgeRemovesOnlyOlderRuns()
    {
        var dst = DestinationWithRuns(3);
        var manager = new SafetyNetManager();
        var runs = manager.GetRuns(dst);
        string oldName = DateTime.Now.AddDays(-100).ToString("yyyy-MM-dd HH-mm-ss", CultureInfo.InvariantCulture);
        Directory.Move(runs[0].Path, Path.Combine(Path.GetDirectoryName(runs[0].Path)!, oldName));

        var pruned = manager.Prune(dst, new SafetyNetLimits { MinFreeBytes = null, MaxAge = TimeSpan.FromDays(90) }, CancellationToken.None);

        Assert.Equal(new[] { oldName }, pruned.Select(r => r.Name));
        Assert.Equal(runs.Skip(1).Select(r => r.Name), manager.GetRuns(dst).Select(r => r.Name));
    }

    [Fact]
    public void ClearSafetyNet_Example2_MaxSizeKeepsTheNewestRunsThatFit()
    {
        var dst = DestinationWithRuns(3);
        var manager = new SafetyNetManager();
        var runs = manager.GetRuns(dst);                          // oldest first

        var pruned = manager.Prune(dst, new SafetyNetLimits { MinFreeBytes = null, MaxSizeBytes = runs[2].Size + runs[1].Size }, CancellationToken.None);
        Assert.Equal(new[] { runs[0].Name }, pruned.Select(r => r.Name));

        // The newest run alone is larger than the limit: it goes too.
        var rest = manager.Prune(dst, new SafetyNetLimits { MinFreeBytes = null, MaxSizeBytes = runs[2].Size - 1 }, CancellationToken.None);
        Assert.Equal(new[] { runs[1].Name, runs[2].Name }, rest.Select(r => r.Name));
        Assert.Empty(manager.GetRuns(dst));
    }

    [Fact]
    public void ClearSafetyNet_Example3_WhatIfListsEveryRunThenEverythingIsRemoved()
    {
        var dst = DestinationWithRuns(2);
        var manager = new SafetyNetManager();
        var before = ExampleTree.Snapshot(dst, skipReserved: false);
        var clone = ExampleTree.Snapshot(dst, skipReserved: true);

        var listed = manager.GetRunsToPrune(dst, null);
        Assert.Equal(manager.GetRuns(dst).Select(r => r.Name), listed.Select(r => r.Name));
        Assert.Equal(before, ExampleTree.Snapshot(dst, skipReserved: false));

        var removed = manager.Prune(dst, null, CancellationToken.None);
        Assert.Equal(listed.Select(r => r.Name), removed.Select(r => r.Name));
        Assert.False(Directory.Exists(Path.Combine(dst, "_PSClone SafetyNet")));
        Assert.Equal(clone, ExampleTree.Snapshot(dst, skipReserved: true));
    }

    [Fact]
    public void ClearSafetyNet_Example4_MinFreeRemovesOldestRunsFirstUntilTheLimitIsMet()
    {
        var dst = DestinationWithRuns(3);
        var manager = new SafetyNetManager();
        var runs = manager.GetRuns(dst);

        Assert.Empty(manager.Prune(dst, new SafetyNetLimits { MinFreeBytes = 0 }, CancellationToken.None));
        // No disk has this much free: every run goes, oldest first.
        var pruned = manager.Prune(dst, new SafetyNetLimits { MinFreeBytes = long.MaxValue }, CancellationToken.None);
        Assert.Equal(runs.Select(r => r.Name), pruned.Select(r => r.Name));
        Assert.Equal(runs.Sum(r => r.Size), pruned.Sum(r => r.Size));
    }

    // ---------------------------------------------------------------- helpers

    private (ExampleTree Source, string Destination) ClonedPair(params (string Path, string Content)[] files)
    {
        var src = _dir.Tree("source");
        foreach (var (path, content) in files) src.File(path, content);
        string dst = _dir.Path("destination");
        Assert.Equal(CloneStatus.Success, Clone(src.Root, dst).Result.Status);
        return (src, dst);
    }

    /// <summary>A clone destination whose SafetyNet holds <paramref name="count"/> runs of different sizes.</summary>
    private string DestinationWithRuns(int count)
    {
        var (src, dst) = ClonedPair(("w/file.bin", "0"));
        for (int i = 1; i <= count; i++)
        {
            src.File("w/file.bin", new string('x', 100 * i));
            Assert.NotNull(Clone(src.Root, dst).Result.SafetyNetFolder);
        }
        Assert.Equal(count, new SafetyNetManager().GetRuns(dst).Count);
        return dst;
    }

    private static (CloneRunResult Result, ExampleEvents Events) Clone(string source, string destination, Func<CloneRequest, CloneRequest>? adjust = null)
    {
        var request = new CloneRequest { Source = source, Destination = destination, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } };
        if (adjust is not null) request = adjust(request);
        var events = new ExampleEvents();
        var result = new CloneEngine().Run(request, events, CancellationToken.None);
        Assert.Empty(events.Errors);
        return (result, events);
    }

    private static (int Count, List<CloneDifference> Differences, ExampleEvents Events) Compare(string source, string destination, bool checksum = false)
    {
        var events = new ExampleEvents();
        int count = new CloneVerifier().Compare(new CloneTestRequest { Source = source, Destination = destination, Checksum = checksum }, events, CancellationToken.None);
        return (count, events.Items.OfType<CloneDifference>().ToList(), events);
    }

    private static List<string> Describe(IEnumerable<CloneItemResult> items) =>
        items.Select(i => $"{i.Action} {i.RelativePath} ({i.Reason})").Order(StringComparer.Ordinal).ToList();

    private sealed class ExampleEvents : IEngineEvents
    {
        public ConcurrentQueue<object> Items { get; } = new();
        public ConcurrentQueue<EngineError> Errors { get; } = new();
        public IEnumerable<CloneItemResult> CloneItems => Items.OfType<CloneItemResult>();

        public void Item(object item) => Items.Enqueue(item);
        public void Progress(EngineProgress progress) { }
        public void Warning(string message) { }
        public void Verbose(string message) { }
        public void Error(EngineError error) => Errors.Enqueue(error);
        public bool ShouldProcess(string target, string action) => true;
    }
}

/// <summary>A scratch folder for one test (on tmpfs when there is one), deleted afterwards.</summary>
internal sealed class ExampleFolder : IDisposable
{
    private readonly string _root;

    public ExampleFolder()
    {
        string parent = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        _root = System.IO.Path.Combine(parent, "psclone-help-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
    }

    public string Path(string relative) => System.IO.Path.Combine(_root, relative);

    public ExampleTree Tree(string relative)
    {
        Directory.CreateDirectory(Path(relative));
        return new ExampleTree(Path(relative));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover scratch folder does not make a test wrong.
        }
    }
}

/// <summary>A source tree whose files get whole-second modification times, so a time read back
/// through .NET (100 ns ticks) equals the time on disk.</summary>
internal sealed class ExampleTree(string root)
{
    private static long _clock;

    public string Root { get; } = root;

    public string Full(string relative) => System.IO.Path.Combine(Root, relative);

    public ExampleTree File(string relative, string content)
    {
        string path = Full(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        var time = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(Interlocked.Increment(ref _clock));
        System.IO.File.SetLastWriteTimeUtc(path, time);
        return this;
    }

    public ExampleTree Delete(string relative)
    {
        string path = Full(relative);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else System.IO.File.Delete(path);
        return this;
    }

    public List<string> Snapshot() => Snapshot(Root, skipReserved: true);

    /// <summary>Every item under a folder: path, kind, size, modification time and a content hash.
    /// With <paramref name="skipReserved"/>, PSClone's own files at the root are left out.</summary>
    public static List<string> Snapshot(string root, bool skipReserved)
    {
        var lines = new List<string>();
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string rel = System.IO.Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            string top = rel.Split('/')[0];
            if (skipReserved && (top == "_PSClone SafetyNet" || top == ".psclone" || top == ".psclone.lock")) continue;
            string what = entry is FileInfo f
                ? $"file {f.Length} {Convert.ToHexString(SHA256.HashData(System.IO.File.ReadAllBytes(f.FullName)))[..16]}"
                : "dir";
            lines.Add($"{rel} {what} {entry.LastWriteTimeUtc.Ticks}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
