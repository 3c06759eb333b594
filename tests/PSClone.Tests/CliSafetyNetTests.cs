using System.Globalization;
using System.Text.Json.Nodes;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>`psclone safetynet list|restore|prune` end to end, on SafetyNets made by real clones.</summary>
public sealed class CliSafetyNetTests() : CliTestBase("safetynet")
{
    private string SafetyNetRoot => Path.Combine(Dst, "_PSClone SafetyNet");

    /// <summary>Three runs: docs/doc.txt v1 replaced by v2 (Modified), v2 by v3 (Modified), then
    /// docs/doc.txt and the folder docs/old deleted from the source (Deleted). Below the root, so that
    /// root protection (SafetyNet On's default) does not keep the deleted items in place.</summary>
    private void ThreeRuns()
    {
        Source.File("docs/doc.txt", "version 1").File("docs/old/a.txt", "old a").File("docs/old/b.txt", "old b").File("keep.txt", "keep");
        CloneOk();
        Source.Change("docs/doc.txt", "version 2");
        CloneOk();
        Source.Change("docs/doc.txt", "version 3");
        CloneOk();
        Source.Delete("docs/doc.txt").Delete("docs/old");
        CloneOk();
        Assert.False(File.Exists(Path.Combine(Dst, "docs/doc.txt")));
        Assert.False(Directory.Exists(Path.Combine(Dst, "docs/old")));
    }

    private static List<JsonObject> ListJson(string destination, params string[] options)
    {
        var r = Psclone(new[] { "safetynet", "list", destination, "--json" }.Concat(options).ToArray());
        AssertExit(0, r);
        Assert.All(r.Json, l => Assert.Equal("safetyNetItem", (string?)l["type"]));
        return r.Json.ToList();
    }

    private List<string> RunNames() =>
        Directory.Exists(SafetyNetRoot)
            ? Directory.GetDirectories(SafetyNetRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!
            : new List<string>();

    // ---------------------------------------------------------------- list

    [Fact]
    public void List_ShowsEachItemWithItsReason_NewestRunFirst()
    {
        ThreeRuns();
        var items = ListJson(Dst);
        var described = items.Select(i => $"{i["reason"]} {i["relativePath"]} {i["itemType"]}").ToList();
        Assert.Equal(new[] { "Deleted docs/doc.txt File", "Deleted docs/old Directory", "Modified docs/doc.txt File", "Modified docs/doc.txt File" },
            described.Order(StringComparer.Ordinal));
        var runs = items.Select(i => (string)i["runName"]!).ToList();
        Assert.True(runs.SequenceEqual(runs.OrderByDescending(r => r, StringComparer.Ordinal)), "newest run first: " + string.Join(", ", runs));
        var deletedDoc = items.Single(i => (string?)i["reason"] == "Deleted" && (string?)i["relativePath"] == "docs/doc.txt");
        Assert.Equal("version 3".Length, Long(deletedDoc, "size"));
        Assert.Equal("version 3", File.ReadAllText((string)deletedDoc["archivedPath"]!));
        Assert.Equal(Dst, (string?)deletedDoc["destination"]);

        var recursive = ListJson(Dst, "--recurse");
        Assert.Contains(recursive, i => (string?)i["relativePath"] == "docs/old/a.txt" && (string?)i["reason"] == "Deleted");
        Assert.Equal(items.Count + 2, recursive.Count);
    }

    [Fact]
    public void List_HumanOutput_OneLinePerItem_WithTheReason()
    {
        ThreeRuns();
        var r = Psclone("safetynet", "list", Dst);
        AssertExit(0, r);
        Assert.Equal(4, r.StdOutLines.Length);
        Assert.Equal(2, r.StdOutLines.Count(l => l.Contains(" Modified ", StringComparison.Ordinal) && l.EndsWith(" docs/doc.txt", StringComparison.Ordinal)));
        Assert.Single(r.StdOutLines, l => l.Contains(" Deleted ", StringComparison.Ordinal) && l.EndsWith(" docs/doc.txt", StringComparison.Ordinal));
        Assert.Single(r.StdOutLines, l => l.Contains(" Deleted ", StringComparison.Ordinal) && l.EndsWith(" docs/old/", StringComparison.Ordinal));
    }

    [Fact]
    public void List_PathFilter_AndAnEmptySafetyNet_AndAMissingDestination()
    {
        ThreeRuns();
        Assert.Equal(3, ListJson(Dst, "--path", "*.txt").Count);
        Assert.Empty(ListJson(Dst, "--path", "*.docx"));

        string fresh = Dir["fresh"];
        AssertExit(0, Psclone("clone", Src, fresh, "--min-free", "0"));
        var none = Psclone("safetynet", "list", fresh);
        AssertExit(0, none);
        Assert.Equal("", none.StdOut);
        Assert.Contains("no matching items", none.StdErr);

        AssertRefused(Psclone("safetynet", "list", Dir["missing"], "--json"), "DestinationNotFound");
    }

    // ---------------------------------------------------------------- restore

    [Fact]
    public void Restore_PutsTheNewestVersionBack()
    {
        ThreeRuns();
        var r = Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--json");
        AssertExit(0, r);
        var restored = Assert.Single(r.Json);
        Assert.Equal("restored", (string?)restored["type"]);
        Assert.Equal("docs/doc.txt", (string?)restored["relativePath"]);
        Assert.Equal(Path.Combine(Dst, "docs/doc.txt"), (string?)restored["restoredPath"]);
        Assert.Equal("version 3", File.ReadAllText(Path.Combine(Dst, "docs/doc.txt")));
        Assert.Equal(4, ListJson(Dst).Count); // a restore copies: the SafetyNet keeps every version
    }

    [Fact]
    public void Restore_AGlobOverAFolder_RestoresTheFolderWithItsContent()
    {
        ThreeRuns();
        var r = Psclone("safetynet", "restore", Dst, "--path", "old*", "--json");
        AssertExit(0, r);
        Assert.Equal(new[] { "docs/old" }, r.Json.Select(l => (string)l["relativePath"]!));
        Assert.Equal("old a", File.ReadAllText(Path.Combine(Dst, "docs/old/a.txt")));
        Assert.Equal("old b", File.ReadAllText(Path.Combine(Dst, "docs/old/b.txt")));
    }

    [Fact]
    public void Restore_OccupiedTarget_RefusedWithoutForce_ReplacedWithForce_TheReplacedVersionKept()
    {
        ThreeRuns();
        File.WriteAllText(Path.Combine(Dst, "docs/doc.txt"), "someone's new doc");
        var before = TreeSnapshot.Take(Dst);

        var refused = Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--json");
        AssertExit(2, refused); // every item refused: nothing was done
        var error = Assert.Single(refused.Json);
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("RestoreTargetExists", (string?)error["errorId"]);
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst)));

        var forced = Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--force", "--json");
        AssertExit(0, forced);
        Assert.Equal("version 3", File.ReadAllText(Path.Combine(Dst, "docs/doc.txt")));
        var replaced = Assert.Single(ListJson(Dst), i => i["archivedPath"]!.ToString() == Path.Combine((string)Assert.Single(forced.Json)["replacedItemArchivedIn"]!, "docs/doc.txt"));
        Assert.Equal("Modified", (string?)replaced["reason"]);
        Assert.Equal("someone's new doc", File.ReadAllText((string)replaced["archivedPath"]!));
    }

    [Fact]
    public void Restore_To_PutsItemsUnderAnotherFolder_AndLeavesTheDestinationAlone()
    {
        ThreeRuns();
        string elsewhere = Dir["restored"];
        var before = TreeSnapshot.Take(Dst);
        var r = Psclone("safetynet", "restore", Dst, "--path", "*", "--to", elsewhere, "--json");
        AssertExit(0, r);
        Assert.Equal(new[] { "docs/doc.txt", "docs/old" }, r.Json.Select(l => (string)l["relativePath"]!).Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string>
        {
            ["docs/doc.txt"] = "version 3",
            ["docs/old/a.txt"] = "old a",
            ["docs/old/b.txt"] = "old b",
        }, TreeSnapshot.Take(elsewhere).UserFiles().ToDictionary(f => f.Key, f => File.ReadAllText(Path.Combine(elsewhere, f.Key))));
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));

        var again = Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--to", elsewhere, "--json");
        AssertExit(2, again);
        Assert.Equal("RestoreTargetExists", (string?)Assert.Single(again.Json)["errorId"]);
    }

    [Fact]
    public void Restore_NothingMatches_Exit2_WithoutPath_Exit2()
    {
        ThreeRuns();
        var before = TreeSnapshot.Take(Dst);
        AssertRefused(Psclone("safetynet", "restore", Dst, "--path", "*.docx", "--json"), "SafetyNetItemNotFound");
        AssertUsageError(Psclone("safetynet", "restore", Dst), "--path");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    // ---------------------------------------------------------------- prune

    /// <summary>Renames a run folder as if the run had started <paramref name="age"/> ago (a run's
    /// time is its folder name, local time).</summary>
    private string Age(string runName, TimeSpan age)
    {
        string name = (DateTime.Now - age).ToString("yyyy-MM-dd HH-mm-ss", CultureInfo.InvariantCulture);
        Directory.Move(Path.Combine(SafetyNetRoot, runName), Path.Combine(SafetyNetRoot, name));
        return name;
    }

    private static List<string> Pruned(CliResult r) =>
        r.Json.Select(l => { Assert.Equal("safetyNetRun", (string?)l["type"]); return (string)l["name"]!; }).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void PruneMaxAge_RemovesRunsOlderThanTheAge()
    {
        ThreeRuns();
        var runs = RunNames();
        Assert.Equal(3, runs.Count);
        string twoDays = Age(runs[0], TimeSpan.FromDays(2));
        string thirteenHours = Age(runs[1], TimeSpan.FromHours(13));
        string current = runs[2];

        var dayOld = Psclone("safetynet", "prune", Dst, "--max-age", "1d", "--json");
        AssertExit(0, dayOld);
        Assert.Equal(new[] { twoDays }, Pruned(dayOld));
        Assert.Equal(new[] { thirteenHours, current }.Order(StringComparer.Ordinal), RunNames());

        var halfDay = Psclone("safetynet", "prune", Dst, "--max-age", "12h", "--json");
        AssertExit(0, halfDay);
        Assert.Equal(new[] { thirteenHours }, Pruned(halfDay));
        Assert.Equal(new[] { current }, RunNames());
    }

    [Fact]
    public void PruneMaxSize_KeepsTheNewestRunsThatFit()
    {
        ThreeRuns();
        var runs = RunNames();
        var sizes = Psclone("safetynet", "prune", Dst, "--all", "--dry-run", "--json");
        AssertExit(0, sizes);
        Assert.Equal(runs, Pruned(sizes));
        Assert.Equal(runs, RunNames()); // a dry run removes nothing
        long newest = Long(sizes.Json.Single(l => (string?)l["name"] == runs[2]), "size");

        AssertExit(0, Psclone("safetynet", "prune", Dst, "--max-size", "500MB"));
        Assert.Equal(runs, RunNames());

        var fitsNewest = Psclone("safetynet", "prune", Dst, "--max-size", newest.ToString(CultureInfo.InvariantCulture), "--json");
        AssertExit(0, fitsNewest);
        Assert.Equal(runs.Take(2), Pruned(fitsNewest));
        Assert.Equal(new[] { runs[2] }, RunNames());

        var tooSmall = Psclone("safetynet", "prune", Dst, "--max-size", (newest - 1).ToString(CultureInfo.InvariantCulture), "--json");
        AssertExit(0, tooSmall);
        Assert.Equal(new[] { runs[2] }, Pruned(tooSmall));
        Assert.Empty(RunNames());
    }

    [Fact]
    public void PruneMinFree_PrunesOldestFirstUntilTheSpaceIsFree()
    {
        ThreeRuns();
        var runs = RunNames();
        AssertExit(0, Psclone("safetynet", "prune", Dst, "--min-free", "0"));
        Assert.Equal(runs, RunNames());

        // More free space than the disk can ever have: every run goes.
        long freeMiB = new DriveInfo(Dst).AvailableFreeSpace >> 20;
        var r = Psclone("safetynet", "prune", Dst, "--min-free", $"{freeMiB + 1024}MB", "--json");
        AssertExit(0, r);
        Assert.Equal(runs, Pruned(r));
        Assert.False(Directory.Exists(SafetyNetRoot), "an empty SafetyNet folder is removed");
        Assert.Equal("keep", File.ReadAllText(Path.Combine(Dst, "keep.txt")));
    }

    [Fact]
    public void PruneAll_RemovesEveryRun_WithoutLimits_Exit2()
    {
        ThreeRuns();
        var before = TreeSnapshot.Take(Dst);
        AssertUsageError(Psclone("safetynet", "prune", Dst), "--all");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));

        var runs = RunNames();
        var r = Psclone("safetynet", "prune", Dst, "--all", "--json");
        AssertExit(0, r);
        Assert.Equal(runs, Pruned(r));
        Assert.False(Directory.Exists(SafetyNetRoot));
        Assert.Empty(ListJson(Dst));
    }

    [Fact]
    public void ClonePruneOptions_PruneAtTheStartOfTheRun()
    {
        ThreeRuns();
        Assert.Equal(3, RunNames().Count);
        Source.File("docs/doc.txt", "version 4");
        var summary = CloneOk("--max-size", "0");
        Assert.Equal(3, Long(summary, "safetyNetRunsPruned"));
        Assert.Empty(RunNames()); // this run archived nothing (docs/doc.txt is new again)
    }
}
