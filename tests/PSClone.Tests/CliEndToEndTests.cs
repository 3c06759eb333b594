using System.Text.Json.Nodes;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>`psclone clone` and `psclone verify` end to end: exit codes (SPEC §1), the --json
/// contract, human output and stderr, SIZE and AGE arguments, --dry-run, interruption.</summary>
public sealed class CliEndToEndTests() : CliTestBase("cli")
{
    private void SmallTree() => Source
        .File("a.txt", "alpha")
        .File("docs/report.md", "report v1")
        .File("docs/deep/notes.txt", "notes")
        .File("-leading dash", "dash")
        .File("Données/café.txt", "unicode")
        .Dir("empty");

    private static readonly string[] SmallTreeItems =
        { "-leading dash", "Données", "Données/café.txt", "a.txt", "docs", "docs/deep", "docs/deep/notes.txt", "docs/report.md", "empty" };

    // ---------------------------------------------------------------- exit 0, JSON and human output

    [Fact]
    public void Clone_Json_EveryLineIsACamelCaseObject_LastIsTheSummaryWithTheCounts()
    {
        SmallTree();
        var r = Clone();
        AssertExit(0, r);

        var lines = r.Json; // parses every line, checks "type" and camelCase names
        var items = lines.Where(l => (string?)l["type"] == "item").ToList();
        Assert.Equal(SmallTreeItems, items.Select(i => (string)i["relativePath"]!).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Equal("Copied", (string?)i["action"]));
        Assert.Equal(items.Count + 1, lines.Count);

        var summary = Summary(r);
        Assert.Equal("Success", (string?)summary["status"]);
        Assert.Equal(Src, (string?)summary["source"]);
        Assert.Equal(Dst, (string?)summary["destination"]);
        Assert.Equal(9, Long(summary, "itemsScanned"));
        Assert.Equal(9, Long(summary, "itemsCopied"));
        Assert.Equal(0, Long(summary, "itemsUpdated") + Long(summary, "itemsArchived") + Long(summary, "itemsDeleted") + Long(summary, "itemsFailed"));
        Assert.Equal("alpha".Length + "report v1".Length + "notes".Length + "dash".Length + "unicode".Length, Long(summary, "bytesCopied"));
        Assert.Equal(0, Long(summary, "errors"));
        Assert.False((bool)summary["dryRun"]!);
        Assert.Equal("", r.StdErr);
        Assert.Equal(TreeSnapshot.Take(Src).UserFiles(), TreeSnapshot.Take(Dst).UserFiles());
    }

    [Fact]
    public void Clone_SecondRunWithNothingChanged_ReportsNothingCopied_AndWritesNothing()
    {
        SmallTree();
        CloneOk();
        var before = TreeSnapshot.Take(Dst);
        var r = Clone();
        AssertExit(0, r);
        Assert.Single(r.Json); // the summary only: no item was touched
        var summary = Summary(r);
        Assert.Equal(9, Long(summary, "itemsScanned"));
        Assert.Equal(0, Long(summary, "itemsCopied") + Long(summary, "itemsUpdated") + Long(summary, "bytesCopied"));
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst)));
    }

    [Fact]
    public void Clone_HumanOutput_SummaryOnStdout_NoJson_NothingOnStderr()
    {
        SmallTree();
        var r = Psclone("clone", Src, Dst, "--min-free", "0");
        AssertExit(0, r);
        Assert.StartsWith($"Success: {Src} -> {Dst}", r.StdOut);
        Assert.Contains("9 scanned, 9 copied, 0 updated, 0 archived, 0 deleted, 0 skipped, 0 failed", r.StdOut);
        Assert.DoesNotContain("{", r.StdOut);
        Assert.Equal("", r.StdErr); // stderr is not a terminal: no progress line
    }

    [Fact]
    public void Clone_Refused_HumanOutput_ErrorOnStderrOnly()
    {
        var r = Psclone("clone", Dir["missing"], Dst);
        AssertExit(2, r);
        Assert.Equal("", r.StdOut);
        Assert.StartsWith("error: ", r.StdErr);
        Assert.Contains(Dir["missing"], r.StdErr);
    }

    [Fact]
    public void Usage_NoArguments_UnknownCommand_UnknownOption_Exit2_HelpExit0()
    {
        AssertExit(2, Psclone());
        AssertUsageError(Psclone("frobnicate"), "frobnicate");
        SmallTree();
        AssertUsageError(Psclone("clone", Src, Dst, "--no-such-option"), "--no-such-option");
        AssertUsageError(Psclone("clone", Src), "Missing arguments");
        AssertUsageError(Psclone("clone", Src, Dst, Dir["third"]), Dir["third"]);
        AssertUsageError(Psclone("clone", Src, Dst, "--max-delete"), "--max-delete needs a value");
        AssertUsageError(Psclone("clone", Src, Dst, "--max-delete", "many"), "many");
        var help = Psclone("clone", "--help");
        AssertExit(0, help);
        Assert.Contains("usage: psclone clone SOURCE DEST", help.StdOut);
        Assert.False(Directory.Exists(Dst), "no usage error created the destination");
    }

    [Fact]
    public void Clone_PathsAfterDoubleDash_MayStartWithADash()
    {
        SmallTree();
        var r = Cli.Run(new CliOptions { WorkingDirectory = Dir.Path }, "clone", "--json", "--min-free", "0", "--", "src", "-dash-dest");
        AssertExit(0, r);
        Assert.Equal(TreeSnapshot.Take(Src).UserFiles(), TreeSnapshot.Take(Dir["-dash-dest"]).UserFiles());
    }

    // ---------------------------------------------------------------- options reach the engine

    [Theory]
    [InlineData("on", 2, 0, true)]
    [InlineData("ON", 2, 0, true)]
    [InlineData("keepall", 1, 0, true)]
    [InlineData("off", 0, 1, false)]
    public void SafetyNetModes(string mode, long archived, long deleted, bool deletedFileKept)
    {
        SmallTree();
        CloneOk();
        Source.Change("docs/report.md", "report v2").Delete("docs/deep/notes.txt");
        var summary = CloneOk("--safetynet", mode);
        Assert.Equal(archived, Long(summary, "itemsArchived"));
        Assert.Equal(deleted, Long(summary, "itemsDeleted"));
        Assert.Equal("report v2", File.ReadAllText(Path.Combine(Dst, "docs/report.md")));
        string notes = Path.Combine(Dst, "docs/deep/notes.txt");
        bool inSafetyNet = Directory.Exists(Path.Combine(Dst, "_PSClone SafetyNet"))
            && Directory.EnumerateFiles(Path.Combine(Dst, "_PSClone SafetyNet"), "notes.txt", SearchOption.AllDirectories).Any();
        Assert.Equal(mode == "keepall", File.Exists(notes));
        Assert.Equal(deletedFileKept, File.Exists(notes) || inSafetyNet);
        Assert.Equal(archived > 0, summary["safetyNetFolder"] is not null);
    }

    [Fact]
    public void NoProtectRoot_ArchivesItemsFoundOnlyAtTheDestinationRoot()
    {
        SmallTree();
        CloneOk();
        Source.Delete("a.txt");
        Assert.Equal(0, Long(CloneOk(), "itemsArchived")); // root items are protected by default
        Assert.True(File.Exists(Path.Combine(Dst, "a.txt")));
        Assert.Equal(1, Long(CloneOk("--no-protect-root"), "itemsArchived"));
        Assert.False(File.Exists(Path.Combine(Dst, "a.txt")));
    }

    [Fact]
    public void IncludeExcludeAndFilterFile_SelectWhatIsCloned()
    {
        SmallTree();
        string Cloned(string name, params string[] options)
        {
            var r = Psclone(new[] { "clone", Src, Dir[name], "--json", "--min-free", "0" }.Concat(options).ToArray());
            AssertExit(0, r);
            return string.Join(" | ", TreeSnapshot.Take(Dir[name]).Items.Keys.Where(k => k != "." && !TreeSnapshot.IsPSCloneOwn(k)));
        }
        Assert.Equal("docs | docs/report.md", Cloned("include", "--include", "*.md"));
        const string withoutTxtAndEmpty = "-leading dash | Données | docs | docs/deep | docs/report.md";
        Assert.Equal(withoutTxtAndEmpty, Cloned("exclude", "--exclude", "*.txt", "--exclude", "empty/"));
        string filters = Dir["filters"];
        File.WriteAllText(filters, "# no text files\n*.txt\n- empty/\n");
        Assert.Equal(withoutTxtAndEmpty, Cloned("filter-file", "--filter-file", filters));
    }

    // ---------------------------------------------------------------- exit 1: some items failed

    /// <summary>Runs as nobody on a tree where one file is mode 000: that file fails, the rest is cloned.</summary>
    private CliResult CloneWithOneUnreadableFile(bool json)
    {
        SmallTree();
        Source.File("docs/secret.txt", "top secret", UnixFileMode.None);
        string parent = Dir["out"];
        Directory.CreateDirectory(parent);
        File.SetUnixFileMode(parent, (UnixFileMode)0x1FF); // nobody may create the destination here
        var args = new List<string> { "clone", Src, Path.Combine(parent, "dst"), "--min-free", "0" };
        if (json) args.Add("--json");
        return Cli.Run(new CliOptions { AsNobody = true }, args.ToArray());
    }

    [UnprivilegedRunFact]
    public void Clone_OneFileUnreadable_Exit1_ErrorNamesIt_SummarySaysCompletedWithErrors_RestIsCloned()
    {
        var r = CloneWithOneUnreadableFile(json: true);
        AssertExit(1, r);
        var error = Assert.Single(r.OfType("error"));
        Assert.Equal("ItemAccessDenied", (string?)error["errorId"]);
        Assert.Equal("PermissionDenied", (string?)error["category"]);
        Assert.Equal("docs/secret.txt", (string?)error["target"]);
        var failed = Assert.Single(r.OfType("item"), i => (string?)i["action"] == "Failed");
        Assert.Equal("docs/secret.txt", (string?)failed["relativePath"]);

        var summary = Summary(r);
        Assert.Equal("CompletedWithErrors", (string?)summary["status"]);
        Assert.Equal(1, Long(summary, "itemsFailed"));
        Assert.Equal(1, Long(summary, "errors"));
        Assert.Equal(9, Long(summary, "itemsCopied"));
        Assert.Contains("docs/secret.txt", summary["errorMessages"]![0]!.ToString());

        var expected = TreeSnapshot.Take(Src).UserFiles();
        expected.Remove("docs/secret.txt");
        var cloned = TreeSnapshot.Take(Dir["out/dst"]);
        Assert.Equal(expected, cloned.UserFiles());
        Assert.DoesNotContain(cloned.Items.Keys, p => TreeSnapshot.IsTempName(Path.GetFileName(p)));
        Assert.Contains("docs/secret.txt", r.StdErr);
    }

    [UnprivilegedRunFact]
    public void Clone_OneFileUnreadable_HumanOutput_SummaryOnStdout_ErrorOnStderr()
    {
        var r = CloneWithOneUnreadableFile(json: false);
        AssertExit(1, r);
        Assert.StartsWith("CompletedWithErrors: ", r.StdOut);
        Assert.Contains("1 failed", r.StdOut);
        Assert.DoesNotContain("error: ", r.StdOut);
        var errorLines = r.StdErr.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errorLines);
        Assert.Contains("docs/secret.txt", line);
    }

    // ---------------------------------------------------------------- exit 3: interrupted

    [Fact]
    public void Clone_Sigterm_Exit3_Canceled_NoTornFile_RerunConverges() => InterruptedRun(Native.SigTerm);

    [SigIntFact]
    public void Clone_Sigint_Exit3_Canceled_NoTornFile_RerunConverges() => InterruptedRun(Native.SigInt);

    private void InterruptedRun(int signal)
    {
        // Big enough that the copy phase takes far longer than delivering a signal: 2,000 small
        // files and 8 files of 8 MiB, all with distinct content.
        var random = new Random(signal);
        for (int d = 0; d < 20; d++)
        {
            for (int f = 0; f < 100; f++)
            {
                var bytes = new byte[4096];
                random.NextBytes(bytes);
                Source.File($"d{d:00}/f{f:000}.bin", bytes);
            }
        }
        for (int b = 0; b < 8; b++)
        {
            var bytes = new byte[8 << 20];
            random.NextBytes(bytes);
            Source.File($"big{b}.bin", bytes);
        }

        CliResult? stopped;
        for (int attempt = 1; (stopped = StopSignalContinue(signal)) is null; attempt++)
        {
            // The machine was too busy for this test to catch the run before it ended: try again.
            Assert.True(attempt < 3, "the clone always finished before it could be stopped");
            TempDir.ForceDelete(Dst);
        }
        var r = stopped;

        AssertExit(3, r);
        var summary = Summary(r);
        Assert.Equal("Canceled", (string?)summary["status"]);
        Assert.True(Long(summary, "itemsCopied") < 2000 + 20 + 8, "the run was cut short");
        Assert.Equal(r.Json.Count(l => (string?)l["type"] == "warning"), Long(summary, "warnings"));

        // Every file under a real name is complete: the source's exact bytes.
        var source = TreeSnapshot.Take(Src).UserFiles();
        var partial = TreeSnapshot.Take(Dst).UserFiles();
        foreach (var (path, hash) in partial)
            Assert.True(source.TryGetValue(path, out var want) && want == hash, $"'{path}' under its real name is not the source's content (torn or foreign)");

        var rerun = Clone();
        AssertExit(0, rerun);
        var after = TreeSnapshot.Take(Dst);
        Assert.Equal(source, after.UserFiles());
        Assert.DoesNotContain(after.Items.Keys, p => TreeSnapshot.IsTempName(Path.GetFileName(p)));
    }

    /// <summary>Starts a clone, stops it (SIGSTOP) once it has taken its lock, which it does when it
    /// starts changing the destination, queues <paramref name="signal"/>, and lets it go on.
    /// Null when the run had already ended when it was stopped.</summary>
    private CliResult? StopSignalContinue(int signal)
    {
        using var run = Cli.Start(new CliOptions(), "clone", Src, Dst, "--json", "--min-free", "0");
        string lockFile = Path.Combine(Dst, TreeSnapshot.LockFile);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(lockFile))
        {
            if (run.HasExited) return null;
            Assert.True(DateTime.UtcNow < deadline, "the clone never took its lock");
            Thread.Yield();
        }
        try
        {
            run.Signal(Native.SigStop);
        }
        catch (IOException) when (run.HasExited)
        {
            return null;
        }
        bool stoppedInTime = ProcessState(run.Id) == 'T';
        if (!stoppedInTime) return null;
        run.Signal(signal);
        run.Signal(Native.SigCont);
        var result = run.WaitForExit(TimeSpan.FromSeconds(60));
        return result;
    }

    /// <summary>The state letter of /proc/PID/stat: 'T' stopped, 'Z' ended but not reaped, ...</summary>
    private static char ProcessState(int pid)
    {
        for (int i = 0; i < 1000; i++)
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return 'X'; // gone
            }
            char state = stat[stat.LastIndexOf(')') + 2];
            if (state is 'T' or 'Z' or 'X') return state;
            Thread.Sleep(1); // SIGSTOP is delivered asynchronously
        }
        return '?';
    }

    // ---------------------------------------------------------------- --dry-run

    [Fact]
    public void DryRun_FirstClone_ListsEverything_CreatesNothing()
    {
        SmallTree();
        var before = TreeSnapshot.Take(Dir.Path);
        var r = Clone("--dry-run");
        AssertExit(0, r);
        Assert.Equal(SmallTreeItems, r.OfType("item").Select(i => (string)i["relativePath"]!).Order(StringComparer.Ordinal));
        var summary = Summary(r);
        Assert.True((bool)summary["dryRun"]!);
        Assert.Equal(9, Long(summary, "itemsCopied"));
        Assert.False(Directory.Exists(Dst), "a dry run does not create the destination");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dir.Path), lockContentToo: true));
    }

    [Fact]
    public void DryRun_ListsExactlyWhatTheRealRunThenDoes_AndChangesNothing()
    {
        SmallTree();
        CloneOk();
        Source.Change("a.txt", "alpha, changed").Delete("docs/deep").File("new.txt", "new");
        var before = TreeSnapshot.Take(Dst);

        var dry = Clone("--dry-run");
        AssertExit(0, dry);
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
        var planned = dry.OfType("item").Select(Describe).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "Archived a.txt", "Archived docs/deep", "Copied new.txt", "Updated a.txt" },
            dry.OfType("item").Where(i => (string?)i["relativePath"] != "docs").Select(i => $"{i["action"]} {i["relativePath"]}").Order(StringComparer.Ordinal));

        var real = Clone();
        AssertExit(0, real);
        Assert.Equal(planned, real.OfType("item").Select(Describe).Order(StringComparer.Ordinal).ToList());
        var dryCounts = Summary(dry);
        var realCounts = Summary(real);
        foreach (var count in new[] { "itemsScanned", "itemsCopied", "itemsUpdated", "itemsArchived", "itemsDeleted", "bytesCopied" })
            Assert.True(Long(dryCounts, count) == Long(realCounts, count), $"{count}: dry run {dryCounts[count]}, real run {realCounts[count]}");

        static string Describe(JsonObject i) => $"{i["action"]} {i["relativePath"]} ({i["reason"]})";
    }

    [Fact]
    public void DryRun_HumanOutput_ListsEachItem_AndSaysNothingChanged()
    {
        SmallTree();
        var r = Psclone("clone", Src, Dst, "--dry-run");
        AssertExit(0, r);
        foreach (var item in SmallTreeItems)
            Assert.Contains(r.StdOutLines, l => l.StartsWith("Copied ", StringComparison.Ordinal) && l.Contains(" " + item, StringComparison.Ordinal));
        Assert.Contains("(dry run: nothing was changed)", r.StdOut);
        Assert.False(Directory.Exists(Dst));
    }

    // ---------------------------------------------------------------- SIZE and AGE

    [Fact]
    public void SizeAndAge_DocumentedForms_AreAccepted()
    {
        SmallTree();
        CloneOk();
        foreach (var (option, value) in new[]
        {
            ("--min-free", "0"), ("--min-free", "500MB"), ("--max-size", "0"), ("--max-size", "500MB"), ("--max-size", "25GB"),
            ("--max-age", "1d"), ("--max-age", "12h"),
        })
        {
            var r = Clone(option, value);
            Assert.True(r.ExitCode == 0, $"{option} {value}: {r}");
            Assert.Equal("Success", (string?)Summary(r)["status"]);
        }
    }

    [Fact]
    public void SizeAndAge_BadValues_Exit2_NameTheOptionAndValue_ChangeNothing()
    {
        SmallTree();
        CloneOk();
        Source.File("new.txt", "new");
        var before = TreeSnapshot.Take(Dst);
        foreach (var (option, value) in new[]
        {
            ("--min-free", "12Q"), ("--min-free", "lots"), ("--min-free", "-1"), ("--min-free", "1.5"), ("--min-free", ""),
            ("--max-size", "25 GBs"), ("--max-size", "MB"),
            ("--max-age", "1x"), ("--max-age", "1y"), ("--max-age", "-1d"), ("--max-age", "d"), ("--max-age", ""),
            ("--retry-delay", "soon"),
        })
        {
            var r = Clone(option, value);
            Assert.True(r.ExitCode == 2, $"{option} '{value}': {r}");
            var error = Assert.Single(r.Json); // --json: the error is a JSON line too
            Assert.Equal("error", (string?)error["type"]);
            Assert.Contains($"'{value}'", r.StdErr);
            Assert.Contains(option, r.StdErr);
        }
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Fact]
    public void SafetyNetPrune_BadSizeOrAge_Exit2_ChangeNothing()
    {
        SmallTree();
        CloneOk();
        Source.Change("a.txt", "alpha 2");
        CloneOk(); // one SafetyNet run
        var before = TreeSnapshot.Take(Dst);
        foreach (var (option, value) in new[] { ("--max-size", "12Q"), ("--min-free", "-5GB"), ("--max-age", "forever"), ("--max-age", "") })
        {
            var r = Psclone("safetynet", "prune", Dst, option, value);
            Assert.True(r.ExitCode == 2, $"{option} '{value}': {r}");
            Assert.Contains($"'{value}'", r.StdErr);
            Assert.Contains(option, r.StdErr);
        }
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    // ---------------------------------------------------------------- checksum and verify

    [Fact]
    public void Verify_Identical_Exit0()
    {
        SmallTree();
        CloneOk();
        var human = Psclone("verify", Src, Dst);
        AssertExit(0, human);
        Assert.Equal("Identical.", human.StdOut.Trim());
        var json = Psclone("verify", Src, Dst, "--json");
        AssertExit(0, json);
        var summary = Assert.Single(json.Json);
        Assert.Equal("summary", (string?)summary["type"]);
        Assert.Equal(0, (long)summary["differences"]!);
        Assert.True((bool)summary["identical"]!);
    }

    [Fact]
    public void Verify_AfterAChange_Exit1_OneDifferencePerItem()
    {
        SmallTree();
        CloneOk();
        new TreeWriter(Dst).ChangeKeepingSizeAndTime("a.txt", "ALPHA"); // invisible without --checksum
        File.WriteAllText(Path.Combine(Dst, "docs/report.md"), "report v1 edited on the destination");
        File.SetLastWriteTimeUtc(Path.Combine(Dst, "docs/report.md"), File.GetLastWriteTimeUtc(Path.Combine(Src, "docs/report.md")));
        var before = TreeSnapshot.Take(Dst);

        var r = Psclone("verify", Src, Dst, "--json");
        AssertExit(1, r);
        Assert.Equal("summary", (string?)r.Json[^1]["type"]);
        Assert.False((bool)r.Json[^1]["identical"]!);
        var difference = Assert.Single(r.Json, l => (string?)l["type"] != "summary");
        Assert.Equal("difference", (string?)difference["type"]);
        Assert.Equal("ContentDiffers", (string?)difference["difference"]);
        Assert.Equal("docs/report.md", (string?)difference["relativePath"]);

        var human = Psclone("verify", Src, Dst);
        AssertExit(1, human);
        Assert.Contains(human.StdOutLines, l => l.StartsWith("ContentDiffers", StringComparison.Ordinal) && l.Contains("docs/report.md", StringComparison.Ordinal));
        Assert.Contains("1 difference(s).", human.StdOut);
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Fact]
    public void VerifyChecksum_CatchesASameSizeSameTimeChange_WhichPlainVerifyCannot()
    {
        SmallTree();
        CloneOk();
        new TreeWriter(Dst).ChangeKeepingSizeAndTime("docs/deep/notes.txt", "NOTES");

        AssertExit(0, Psclone("verify", Src, Dst));
        var r = Psclone("verify", Src, Dst, "--checksum", "--json");
        AssertExit(1, r);
        var difference = Assert.Single(r.Json, l => (string?)l["type"] == "difference");
        Assert.Equal("ContentDiffers", (string?)difference["difference"]);
        Assert.Equal("docs/deep/notes.txt", (string?)difference["relativePath"]);
    }

    [Fact]
    public void Verify_MissingDestination_Exit2()
    {
        SmallTree();
        var r = Psclone("verify", Src, Dst, "--json");
        AssertRefused(r, "DestinationNotFound");
        Assert.False(Directory.Exists(Dst));
    }

    [Fact]
    public void CloneChecksum_CopiesASameSizeSameTimeChange_WhichPlainCloneSkips()
    {
        SmallTree();
        CloneOk();
        Source.ChangeKeepingSizeAndTime("docs/report.md", "REPORT V1");

        var plain = Clone();
        AssertExit(0, plain);
        Assert.Equal(0, Long(Summary(plain), "itemsUpdated"));
        Assert.Equal("report v1", File.ReadAllText(Path.Combine(Dst, "docs/report.md")));

        var checksum = Clone("--checksum");
        AssertExit(0, checksum);
        var updated = Assert.Single(checksum.OfType("item"), i => (string?)i["action"] == "Updated");
        Assert.Equal("docs/report.md", (string?)updated["relativePath"]);
        Assert.Equal("REPORT V1", File.ReadAllText(Path.Combine(Dst, "docs/report.md")));
    }

    [Fact]
    public void CloneVerify_ReportsEveryCopiedFileVerified()
    {
        SmallTree();
        var summary = CloneOk("--verify");
        Assert.Equal(5, Long(summary, "itemsVerified"));
    }
}
