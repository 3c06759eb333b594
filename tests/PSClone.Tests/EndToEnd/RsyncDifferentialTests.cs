using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.EndToEnd;

/// <summary>The generated small dataset (make-dataset) plus what it lacks: hard-link groups,
/// extended attributes and odd names. Built once for the class, copied for each case.</summary>
public sealed class DatasetFixture : IDisposable
{
    public DatasetFixture()
    {
        Dir = new TempDir("dataset");
        Template = Dir["template"];
        if (!Requirements.HasTool("python3")) return;
        Psclone.Tool("python3", Path.Combine(Psclone.RepoRoot, "bench/dataset/make-dataset"), Template, "--scale", "small", "--seed", "7");
        var extra = new TreeBuilder(Template)
            .File("Linked/original.dat", "shared by three names")
            .HardLink("Linked/second name.dat", "Linked/original.dat")
            .HardLink("Documents/third name.dat", "Linked/original.dat")
            .File("Linked/pair-a", "a pair").HardLink("Linked/pair-b", "Linked/pair-a")
            .File("-starts with dash", "dash").File("Odd/tab\tin name", "tab").File("Odd/new\nline", "newline")
            .File("Odd/" + new string('n', 250) + ".txt", "long name")
            .File("Odd/Ünïcödé ☃ 雪.txt", "snow")
            .Xattr("Linked/original.dat", "user.origin", "test")
            .Xattr("Odd", "user.folder", "odd")
            .Xattr("-starts with dash", "user.a", "1").Xattr("-starts with dash", "user.b", "two");
        extra.Stamp("Odd").Stamp("Linked").Stamp("Documents");
    }

    public TempDir Dir { get; }
    public string Template { get; }

    public void Dispose() => Dir.Dispose();
}

/// <summary>psclone against rsync -aHAX on the same trees: the destinations must be equal in content,
/// type, mode, mtime, link targets, hard-link groups and xattrs (and owners, as root), and the
/// SafetyNet must hold exactly what rsync's --backup-dir holds.</summary>
public sealed class RsyncDifferentialTests(DatasetFixture dataset) : IClassFixture<DatasetFixture>
{
    public static TheoryData<string, string[], string[]> Modes => new()
    {
        // psclone options, rsync options for the same semantics
        { "on", new[] { "--no-protect-root" }, new[] { "--delete", "--backup" } },
        { "off", Array.Empty<string>(), new[] { "--delete" } },
        { "keepall", Array.Empty<string>(), new[] { "--backup" } },
    };

    [ToolTheory("rsync", "python3")]
    [MemberData(nameof(Modes))]
    public void Destination_AndSafetyNet_MatchRsync(string mode, string[] pscloneExtra, string[] rsyncExtra)
    {
        using var dir = new TempDir("rsyncdiff-" + mode);
        string src = dir["src"], ours = dir["ours"], theirs = dir["theirs"], backup = dir["backup"];
        Psclone.Tool("cp", "-a", dataset.Template, src);

        void Both(bool withBackupDir)
        {
            var args = new List<string> { "clone", src, ours, "--safetynet", mode, "--min-free", "0", "--max-delete-percent", "100", "-q" };
            args.AddRange(pscloneExtra);
            var run = Psclone.Run(args.ToArray());
            Assert.True(run.ExitCode == 0, $"psclone exited {run.ExitCode}: {run.StdErr}");
            var rsync = new List<string> { "-aHAX" };
            foreach (var o in rsyncExtra)
            {
                if (o == "--backup" && !withBackupDir) continue;
                rsync.Add(o);
                if (o == "--backup") rsync.Add("--backup-dir=" + backup);
            }
            rsync.Add(src + "/");
            rsync.Add(theirs + "/");
            Psclone.Tool("rsync", rsync.ToArray());
        }

        Both(withBackupDir: false);
        Assert.Equal("", TreeState.Diff(TreeState.Read(theirs), TreeState.Read(ours), withSparse: false));

        Psclone.Tool("python3", Path.Combine(Psclone.RepoRoot, "bench/dataset/mutate-dataset"), src, "--percent", "2", "--seed", "3");
        new TreeBuilder(src).File("Linked/original.dat", "changed, still shared by three names")
            .Xattr("Odd/Ünïcödé ☃ 雪.txt", "user.added", "later").Stamp("Odd").Stamp("Linked");
        Both(withBackupDir: true);
        Assert.Equal("", TreeState.Diff(TreeState.Read(theirs), TreeState.Read(ours), withSparse: false));

        // The SafetyNet holds exactly the items rsync backed up (paths, types, content).
        string? run = Directory.Exists(Path.Combine(ours, "_PSClone SafetyNet"))
            ? Directory.GetDirectories(Path.Combine(ours, "_PSClone SafetyNet")).SingleOrDefault() : null;
        var expected = Directory.Exists(backup) ? Contents(TreeState.Read(backup)) : new List<string>();
        var actual = run is null ? new List<string>() : Contents(TreeState.Read(run, skipAtRoot: ".psclone-manifest.jsonl"));
        Assert.Equal(expected, actual);
        if (mode != "off") Assert.NotEmpty(actual);
    }

    private static List<string> Contents(TreeState state) =>
        state.Items.Select(i => $"{i.Key} {i.Value.Type} {i.Value.ContentHash} {i.Value.LinkTarget}").ToList();
}
