using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

public sealed class SafetyNetManagerTests : IDisposable
{
    private readonly TempDir _dir = new("snm");
    private string Src => _dir["src"];
    private string Dst => _dir["dst"];
    private readonly SafetyNetManager _manager = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Two runs that archive: a changed report (Modified) and a deleted folder (Deleted).</summary>
    private (CloneRunResult First, CloneRunResult Second) TwoArchivingRuns()
    {
        var tree = new TreeBuilder(Src).File("docs/report.docx", "v1").File("docs/old/a.docx", "a").File("docs/old/b.txt", "b").File("keep.txt", "k");
        CloneEngineTests.Clone(Src, Dst);
        tree.File("docs/report.docx", "v2").Delete("docs/old");
        var first = CloneEngineTests.Clone(Src, Dst);
        Thread.Sleep(1100); // run folders are named by the second
        tree.File("docs/report.docx", "v3");
        var second = CloneEngineTests.Clone(Src, Dst);
        return (first, second);
    }

    [Fact]
    public void List_ShowsReasonsAndPaths_NewestRunFirst_AndRecurseOpensArchivedFolders()
    {
        var (first, second) = TwoArchivingRuns();
        var items = _manager.GetItems(Dst).ToList();
        Assert.Equal(new[] { "docs/report.docx", "docs/old", "docs/report.docx" }, items.Select(i => i.RelativePath));
        Assert.Equal(Path.GetFileName(second.SafetyNetFolder), items[0].RunName);
        Assert.Equal(SafetyNetReason.Modified, items[0].Reason);
        Assert.Equal(SafetyNetReason.Deleted, items.Single(i => i.RelativePath == "docs/old").Reason);
        Assert.Equal(ItemType.Directory, items[1].ItemType);
        Assert.Equal(2, items[1].Size);

        var deep = _manager.GetItems(Dst, "*.docx", recurse: true).Select(i => i.RelativePath).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "docs/old/a.docx", "docs/report.docx", "docs/report.docx" }, deep);
        Assert.Equal(2, _manager.GetRuns(Dst).Count);
    }

    [Fact]
    public void RestoreByPattern_BringsBackTheNewestVersion_AndRefusesToOverwrite()
    {
        TwoArchivingRuns();
        var picked = _manager.SelectForRestore(Dst, "report.docx");
        var item = Assert.Single(picked);
        var ex = Assert.Throws<PSCloneException>(() => _manager.Restore(item, null, force: false, CancellationToken.None));
        Assert.Equal("RestoreTargetExists", ex.ErrorId);
        Assert.Equal("v3", File.ReadAllText(Path.Combine(Dst, "docs/report.docx")));

        var restored = _manager.Restore(item, null, force: true, CancellationToken.None);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(Dst, "docs/report.docx")));
        // -Force never loses the version it replaces: it went into a new SafetyNet run.
        Assert.NotNull(restored.ReplacedItemArchivedIn);
        Assert.Equal("v3", File.ReadAllText(Path.Combine(restored.ReplacedItemArchivedIn!, "docs/report.docx")));
    }

    [Fact]
    public void RestoreAFolder_ToAnotherPlace_KeepsItsContents()
    {
        TwoArchivingRuns();
        string target = _dir["restored"];
        Directory.CreateDirectory(target);
        var item = Assert.Single(_manager.SelectForRestore(Dst, "docs/old"));
        var result = _manager.Restore(item, target, force: false, CancellationToken.None);
        Assert.Equal(Path.Combine(target, "docs/old"), result.RestoredPath);
        Assert.Equal("a", File.ReadAllText(Path.Combine(target, "docs/old/a.docx")));
        Assert.Equal("b", File.ReadAllText(Path.Combine(target, "docs/old/b.txt")));
        Assert.False(Directory.Exists(Path.Combine(Dst, "docs/old")));
        // Restoring copies: the SafetyNet still holds the folder.
        Assert.Single(_manager.GetItems(Dst, "docs/old"));
    }

    [Fact]
    public void PipedItem_IsFoundExactly_EvenInsideAnArchivedFolder()
    {
        TwoArchivingRuns();
        var inner = _manager.GetItems(Dst, "docs/old/b.txt", recurse: true).Single();
        var found = _manager.FindItem(Dst, inner.RunName, "docs/old/b.txt");
        Assert.NotNull(found);
        Assert.Equal(inner.ArchivedPath, found!.ArchivedPath);
        Assert.Null(_manager.FindItem(Dst, inner.RunName, "docs/old/missing.txt"));
    }

    [Fact]
    public void Remove_DeletesForGood_AndDropsEmptyRuns()
    {
        var (first, second) = TwoArchivingRuns();
        foreach (var item in _manager.GetItems(Dst, runName: Path.GetFileName(second.SafetyNetFolder)).ToList())
            _manager.Remove(item, CancellationToken.None);
        Assert.False(Directory.Exists(second.SafetyNetFolder));
        var old = _manager.GetItems(Dst, "docs/old").Single();
        _manager.Remove(old, CancellationToken.None);
        Assert.Equal(new[] { "docs/report.docx" }, _manager.GetItems(Dst).Select(i => i.RelativePath));
        Assert.False(Directory.Exists(Path.Combine(first.SafetyNetFolder!, "docs/old")));
    }

    [Fact]
    public void Prune_ByAgeSizeAndFreeSpace_TakesWholeRunsOldestFirst()
    {
        TwoArchivingRuns();
        string root = Path.Combine(Dst, "_PSClone SafetyNet");
        // Two older runs, made by hand with old names.
        foreach (var (name, size) in new[] { ("2020-01-01 00-00-00", 1000), ("2021-06-01 12-00-00", 3000) })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.WriteAllBytes(Path.Combine(root, name, "blob"), new byte[size]);
        }
        Assert.Equal(4, _manager.GetRuns(Dst).Count);

        var byAge = _manager.Prune(Dst, new SafetyNetLimits { MinFreeBytes = null, MaxAge = TimeSpan.FromDays(365 * 3) }, CancellationToken.None);
        Assert.Equal(new[] { "2020-01-01 00-00-00", "2021-06-01 12-00-00" }, byAge.Select(r => r.Name));

        var runs = _manager.GetRuns(Dst);
        Assert.Equal(2, runs.Count);
        // The newest run alone is bigger than the limit: everything goes, newest too.
        var bySize = _manager.GetRunsToPrune(Dst, new SafetyNetLimits { MinFreeBytes = null, MaxSizeBytes = 1 });
        Assert.Equal(2, bySize.Count);
        // Keep the newest (its size fits), prune older ones.
        var keepNewest = _manager.Prune(Dst, new SafetyNetLimits { MinFreeBytes = null, MaxSizeBytes = runs[1].Size }, CancellationToken.None);
        Assert.Equal(new[] { runs[0].Name }, keepNewest.Select(r => r.Name));

        var byFree = _manager.Prune(Dst, new SafetyNetLimits { MinFreeBytes = long.MaxValue }, CancellationToken.None);
        Assert.Single(byFree);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void PruneAtTheStartOfARun_NeverTouchesWhatThisRunArchives()
    {
        var tree = new TreeBuilder(Src).File("f.txt", "v1");
        CloneEngineTests.Clone(Src, Dst);
        tree.File("f.txt", "v2");
        CloneEngineTests.Clone(Src, Dst);
        Thread.Sleep(1100);
        tree.File("f.txt", "v3");
        // min-free larger than any disk: every older run is pruned, the one this run makes stays.
        var result = CloneEngineTests.Clone(Src, Dst, adjust: r => r with { SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = long.MaxValue } });
        Assert.Equal(1, result.SafetyNetRunsPruned);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(result.SafetyNetFolder!, "f.txt")));
        Assert.Single(_manager.GetRuns(Dst));
    }

    [Fact]
    public void UnknownDestination_IsAClearError()
    {
        var ex = Assert.Throws<PSCloneException>(() => _manager.GetItems(_dir["missing"]).ToList());
        Assert.Equal("DestinationNotFound", ex.ErrorId);
    }
}
