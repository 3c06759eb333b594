using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>Every bad input of SPEC §6 that applies to clones: exit 2, a stable error id, and the
/// destination unchanged (an exact snapshot: content, modes, times, inodes, change times).</summary>
public sealed class CliBadInputTests() : CliTestBase("bad")
{
    /// <summary>A source and its clone; the source then changes (so a run that went ahead would write).</summary>
    private void ClonedThenChanged()
    {
        Source.File("a.txt", "alpha").File("docs/b.txt", "bravo").File("docs/c.txt", "charlie").Dir("empty");
        CloneOk();
        Source.Change("a.txt", "alpha 2").File("new.txt", "new").Delete("docs/c.txt");
    }

    /// <summary>Runs the CLI and checks the refusal: exit 2, the error id, <paramref name="watched"/> unchanged.</summary>
    private void AssertRefusedAndUnchanged(string watched, string errorId, params string[] args)
    {
        var before = TreeSnapshot.Take(watched);
        var r = Psclone(args.Append("--json").ToArray());
        AssertRefused(r, errorId);
        Assert.Equal("", before.Diff(TreeSnapshot.Take(watched)));
    }

    [Fact]
    public void SourceMissing_Refused()
    {
        ClonedThenChanged();
        AssertRefusedAndUnchanged(Dst, "SourceNotFound", "clone", Dir["no-such-source"], Dst);
    }

    [Fact]
    public void SourceIsAFile_Refused()
    {
        ClonedThenChanged();
        AssertRefusedAndUnchanged(Dst, "SourceNotFolder", "clone", Path.Combine(Src, "a.txt"), Dst);
    }

    [Fact]
    public void DestinationEqualsSource_Refused_AlsoThroughALink()
    {
        ClonedThenChanged();
        AssertRefusedAndUnchanged(Src, "DestinationIsSource", "clone", Src, Src + "/");
        File.CreateSymbolicLink(Dir["src-link"], Src);
        AssertRefusedAndUnchanged(Src, "DestinationIsSource", "clone", Src, Dir["src-link"]);
    }

    [Fact]
    public void DestinationInsideSource_Refused_AllowedWhenExcluded()
    {
        Source.File("a.txt", "alpha").File("docs/b.txt", "bravo");
        string inner = Path.Combine(Src, "backup");
        AssertRefusedAndUnchanged(Src, "DestinationInsideSource", "clone", Src, inner);
        Assert.False(Directory.Exists(inner));

        var r = Psclone("clone", Src, inner, "--exclude", "/backup/", "--json", "--min-free", "0");
        AssertExit(0, r);
        var cloned = TreeSnapshot.Take(inner).UserFiles();
        Assert.Equal(new[] { "a.txt", "docs/b.txt" }, cloned.Keys);
        Assert.DoesNotContain(TreeSnapshot.Take(inner).Items.Keys, p => p.StartsWith("backup", StringComparison.Ordinal));
    }

    [Fact]
    public void SourceInsideDestination_Refused()
    {
        ClonedThenChanged();
        string outer = Dir.Path;
        AssertRefusedAndUnchanged(outer, "SourceInsideDestination", "clone", Src, outer);
    }

    [Fact]
    public void DestinationIsAFile_Refused()
    {
        Source.File("a.txt", "alpha");
        string file = Dir["dest-file"];
        File.WriteAllText(file, "not a folder");
        AssertRefusedAndUnchanged(Dir.Path, "DestinationIsFile", "clone", Src, file);
    }

    [Fact]
    public void DestinationParentMissing_Refused_NothingCreated()
    {
        Source.File("a.txt", "alpha");
        AssertRefusedAndUnchanged(Dir.Path, "DestinationParentNotFound", "clone", Src, Dir["not/there/dst"]);
    }

    [Fact]
    public void UnrelatedDestinationWithoutMarker_Refused_AllowedWithForce()
    {
        Source.File("a.txt", "alpha").File("b.txt", "bravo");
        var foreign = new TreeWriter(Dst);
        for (int i = 0; i < 6; i++) foreign.File($"photo{i}.jpg", $"photo {i}");
        foreign.File("a.txt", "someone else's alpha");
        AssertRefusedAndUnchanged(Dst, "DestinationNotAClone", "clone", Src, Dst);

        var summary = CloneOk("--force");
        Assert.Equal("Success", (string?)summary["status"]);
        var files = TreeSnapshot.Take(Dst).UserFiles();
        for (int i = 0; i < 6; i++) Assert.True(files.ContainsKey($"photo{i}.jpg"), "root items found only at the destination are left alone");
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(Dst, "a.txt")));
        Assert.True(File.Exists(Path.Combine(Dst, ".psclone")), "the forced clone writes the marker");
        Assert.Equal(1, Long(summary, "itemsArchived")); // the old a.txt went to the SafetyNet
    }

    [Fact]
    public void MarkerNamingAnotherSource_Refused_AllowedWithForce_MarkerThenNamesTheNewSource()
    {
        ClonedThenChanged();
        string other = Dir["other"];
        new TreeWriter(other).File("a.txt", "other alpha").File("z.txt", "zulu");
        AssertRefusedAndUnchanged(Dst, "DestinationBelongsToOtherSource", "clone", other, Dst);

        var r = Psclone("clone", other, Dst, "--force", "--json", "--min-free", "0");
        AssertExit(0, r);
        Assert.Equal("other alpha", File.ReadAllText(Path.Combine(Dst, "a.txt")));
        Assert.Contains($"\"source\": \"{other}\"", File.ReadAllText(Path.Combine(Dst, ".psclone")));
        AssertExit(0, Psclone("clone", other, Dst, "--json", "--min-free", "0"));
    }

    /// <summary>The source folder is there but empty, as a mount point is when its drive is not mounted.</summary>
    private void EmptyTheSource()
    {
        Directory.Move(Src, Dir["src-away"]);
        Directory.CreateDirectory(Src);
    }

    [Theory]
    [InlineData("--safetynet", "off")]
    [InlineData("--no-protect-root", null)]
    public void EmptySourceAgainstPopulatedDestination_Refused(string option, string? value)
    {
        ClonedThenChanged();
        EmptyTheSource();
        var args = new List<string> { "clone", Src, Dst, option };
        if (value is not null) args.Add(value);
        AssertRefusedAndUnchanged(Dst, "EmptySource", args.ToArray());
    }

    /// <summary>With the defaults (SafetyNet On, root items protected) an empty source removes
    /// nothing at all, so there is nothing to refuse: the run succeeds and no item is lost.</summary>
    [Fact]
    public void EmptySourceAgainstPopulatedDestination_DefaultMode_RemovesNothing()
    {
        ClonedThenChanged();
        EmptyTheSource();
        var before = TreeSnapshot.Take(Dst).UserFiles();
        var summary = CloneOk();
        Assert.Equal(0, Long(summary, "itemsArchived") + Long(summary, "itemsDeleted"));
        Assert.Equal(before, TreeSnapshot.Take(Dst).UserFiles());
    }

    [Fact]
    public void MaxDeleteExceeded_Refused_AtTheLimitAllowed()
    {
        ClonedThenChanged();
        Source.Delete("docs/b.txt"); // with docs/c.txt: two items leave
        AssertRefusedAndUnchanged(Dst, "TooManyDeletions", "clone", Src, Dst, "--max-delete", "1");
        var summary = CloneOk("--max-delete", "2");
        Assert.Equal(2 + 1, Long(summary, "itemsArchived")); // two deleted, one old version of a.txt
    }

    [Fact]
    public void MaxDeletePercentExceeded_Refused_HigherLimitAllowed()
    {
        for (int i = 0; i < 30; i++) Source.File($"files/f{i:00}.txt", $"file {i}");
        CloneOk();
        for (int i = 0; i < 18; i++) Source.Delete($"files/f{i:00}.txt"); // 18 of the destination's 31 items
        AssertRefusedAndUnchanged(Dst, "TooManyDeletions", "clone", Src, Dst, "--max-delete-percent", "50");
        AssertRefusedAndUnchanged(Dst, "TooManyDeletions", "clone", Src, Dst); // the default is 50%
        var summary = CloneOk("--max-delete-percent", "60");
        Assert.Equal(18, Long(summary, "itemsArchived"));
    }

    [Fact]
    public void SecondConcurrentRun_RefusedAtOnce_ThenAfterReleaseARunSucceeds()
    {
        ClonedThenChanged();
        var before = TreeSnapshot.Take(Dst);
        CliResult r;
        using (new FileStream(Path.Combine(Dst, TreeSnapshot.LockFile), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            r = Clone();
        }
        var error = AssertRefused(r, "DestinationLocked");
        Assert.Equal("ResourceBusy", (string?)error["category"]);
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
        // The lock file is still there, but nobody holds it: it does not block.
        Assert.True(File.Exists(Path.Combine(Dst, TreeSnapshot.LockFile)));
        var summary = CloneOk();
        Assert.Equal("Success", (string?)summary["status"]);
        Assert.Equal("alpha 2", File.ReadAllText(Path.Combine(Dst, "a.txt")));
    }

    [Fact]
    public void InvalidSafetyNetValue_UsageError()
    {
        ClonedThenChanged();
        var before = TreeSnapshot.Take(Dst);
        AssertUsageError(Clone("--safetynet", "sometimes"), "sometimes");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Fact]
    public void UnknownOption_UsageError()
    {
        ClonedThenChanged();
        var before = TreeSnapshot.Take(Dst);
        AssertUsageError(Clone("--delete-everything"), "--delete-everything");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Theory]
    [InlineData("--exclude", "[abc")]
    [InlineData("--include", "docs/[")]
    [InlineData("--exclude", " ")]
    public void InvalidFilterPattern_Refused(string option, string pattern)
    {
        ClonedThenChanged();
        AssertRefusedAndUnchanged(Dst, "InvalidFilter", "clone", Src, Dst, option, pattern);
    }

    [Fact]
    public void InvalidFilterPattern_InAFilterFile_Refused()
    {
        ClonedThenChanged();
        string filters = Dir["filters.txt"];
        File.WriteAllText(filters, "# keep logs out\n*.log\n+ docs/[\n");
        AssertRefusedAndUnchanged(Dst, "InvalidFilter", "clone", Src, Dst, "--filter-file", filters);
    }

    [Fact]
    public void FilterFileMissing_Refused()
    {
        ClonedThenChanged();
        AssertRefusedAndUnchanged(Dst, "FilterFileNotReadable", "clone", Src, Dst, "--filter-file", Dir["no-such-filters.txt"]);
    }

    [Fact]
    public void RefusedFirstRun_DoesNotCreateTheDestination()
    {
        Source.File("a.txt", "alpha");
        AssertRefusedAndUnchanged(Dir.Path, "InvalidFilter", "clone", Src, Dst, "--exclude", "[");
        Assert.False(Directory.Exists(Dst));
    }
}
