using PSClone.Cloning;
using PSClone.Platform;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

public sealed class CloneEngineTests : IDisposable
{
    private readonly TempDir _dir = new("clone");
    private string Src => _dir["src"];
    private string Dst => _dir["dst"];

    public void Dispose() => _dir.Dispose();

    internal static CloneRunResult Clone(string src, string dst, RecordingEvents? events = null, Func<CloneRequest, CloneRequest>? adjust = null, IFileSystem? fs = null)
    {
        var request = new CloneRequest { Source = src, Destination = dst, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 }, RetryDelay = TimeSpan.Zero };
        if (adjust is not null) request = adjust(request);
        var engine = fs is null ? new CloneEngine() : new CloneEngine(fs);
        return engine.Run(request, events ?? new RecordingEvents(), CancellationToken.None);
    }

    [Fact]
    public void FirstClone_ReproducesEveryItemAndAttribute()
    {
        TreeBuilder.Sample(Src);
        var events = new RecordingEvents();
        var result = Clone(Src, Dst, events);

        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Empty(events.Errors);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
        var dst = TreeState.Read(Dst);
        Assert.True(dst.Items["sparse.bin"].Sparse, "the sparse file stays sparse");
        Assert.Equal(dst.Items["a.txt"].LinkGroup, dst.Items["docs/a-hardlink"].LinkGroup);
        Assert.NotEqual(0, dst.Items["a.txt"].LinkGroup);
        Assert.Equal("../nowhere/at/all", dst.Items["docs/dangling"].LinkTarget);
        Assert.True(File.Exists(Path.Combine(Dst, ".psclone")), "the identity marker is written");
        Assert.Equal(result.ItemsScanned, result.ItemsCopied);
    }

    [Fact]
    public void SecondRunWithNothingChanged_CopiesAndWritesNothing()
    {
        TreeBuilder.Sample(Src);
        Clone(Src, Dst);
        var before = TreeState.Read(Dst, includeReserved: true);
        var events = new RecordingEvents();
        var result = Clone(Src, Dst, events);

        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Empty(events.CloneItems);
        Assert.Equal(0, result.ItemsCopied + result.ItemsUpdated + result.ItemsArchived + result.ItemsDeleted);
        var after = TreeState.Read(Dst, includeReserved: true);
        // Same inodes, times and content: nothing was rewritten (the lock file's content is the only write).
        foreach (var (path, state) in before.Items.Where(i => i.Key != ".psclone.lock"))
            Assert.Equal(state, after.Items[path]);
        Assert.False(Directory.Exists(Path.Combine(Dst, "_PSClone SafetyNet")));
    }

    [Fact]
    public void ChangedFile_IsReplacedAtomically_AndOldVersionGoesToSafetyNet()
    {
        var tree = TreeBuilder.Sample(Src);
        Clone(Src, Dst);
        tree.File("docs/report.docx", "report v2 (longer)");
        var events = new RecordingEvents();
        var result = Clone(Src, Dst, events);

        Assert.Equal(1, result.ItemsUpdated);
        Assert.Equal(1, result.ItemsArchived);
        Assert.Equal("report v2 (longer)", File.ReadAllText(Path.Combine(Dst, "docs/report.docx")));
        string archived = Path.Combine(result.SafetyNetFolder!, "docs/report.docx");
        Assert.Equal("report v1", File.ReadAllText(archived));
        Assert.Contains("Archived docs/report.docx", events.Actions());
        Assert.Contains("Updated docs/report.docx", events.Actions());
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
    }

    [Fact]
    public void Checksum_FindsAChangeThatKeepsSizeAndTime()
    {
        var tree = new TreeBuilder(Src).File("same.bin", "AAAA", mtimeNs: 1_650_000_000_000_000_000);
        Clone(Src, Dst);
        tree.File("same.bin", "BBBB", mtimeNs: 1_650_000_000_000_000_000);

        var quick = Clone(Src, Dst);
        Assert.Equal(0, quick.ItemsUpdated);
        Assert.Equal("AAAA", File.ReadAllText(Path.Combine(Dst, "same.bin")));

        var thorough = Clone(Src, Dst, adjust: r => r with { Checksum = true });
        Assert.Equal(1, thorough.ItemsUpdated);
        Assert.Equal("BBBB", File.ReadAllText(Path.Combine(Dst, "same.bin")));
    }

    [Fact]
    public void TempFilesOfAnInterruptedRun_AreRemovedByTheNextRun()
    {
        TreeBuilder.Sample(Src);
        Clone(Src, Dst);
        string stale = Path.Combine(Dst, "docs", ".psclone-0123456789abcdef.tmp");
        File.WriteAllText(stale, "half a file");
        var result = Clone(Src, Dst);
        Assert.False(File.Exists(stale));
        Assert.Equal(CloneStatus.Success, result.Status);
        // Removing it changed its folder's time; the folder pass puts the source's time back.
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
    }

    [Fact]
    public async Task Fifo_IsSkippedWithAWarning_AndNeverOpened()
    {
        new TreeBuilder(Src).File("a", "a").Fifo("pipe");
        var events = new RecordingEvents();
        var task = Task.Run(() => Clone(Src, Dst, events));
        // A clone that opened the FIFO for reading would hang here.
        var result = await task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CloneStatus.CompletedWithWarnings, result.Status);
        Assert.Equal(1, result.ItemsSkipped);
        Assert.Contains(events.Warnings, w => w.Contains("pipe", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(Dst, "pipe")));
        Assert.True(File.Exists(Path.Combine(Dst, "a")));
    }

    [Fact]
    public void DryRun_ReportsExactlyWhatTheRealRunDoes_AndChangesNothing()
    {
        var tree = TreeBuilder.Sample(Src);
        Clone(Src, Dst);
        tree.File("docs/report.docx", "v2").Delete("docs/deep").File("new/file.txt", "new").Delete("link-to-a").File("link-to-a", "now a file");
        File.SetUnixFileMode(tree.Full("bin/tool"), (UnixFileMode)0x1C0);
        var before = TreeState.Read(Dst, includeReserved: true);

        var dry = new RecordingEvents();
        var planned = Clone(Src, Dst, dry, r => r with { DryRun = true });
        Assert.True(planned.DryRun);
        Assert.Equal("", TreeState.Diff(before, TreeState.Read(Dst, includeReserved: true)));

        var real = new RecordingEvents();
        Clone(Src, Dst, real);
        Assert.Equal(dry.Actions(), real.Actions());
        Assert.NotEmpty(real.Actions());
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
    }

    [Fact]
    public void ReadOnlyFolders_AreFilledAndThenMadeReadOnly()
    {
        var tree = new TreeBuilder(Src).File("ro/inner/file.txt", "x").Dir("ro/inner", (UnixFileMode)0x16D).Dir("ro", (UnixFileMode)0x16D);
        tree.Stamp("ro/inner").Stamp("ro");
        Clone(Src, Dst);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
        File.SetUnixFileMode(tree.Full("ro"), (UnixFileMode)0x1ED);
        tree.File("ro/added.txt", "y");
        File.SetUnixFileMode(tree.Full("ro"), (UnixFileMode)0x16D);
        Clone(Src, Dst);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
    }

    [Fact]
    public void HardLinkGroups_StayLinked_WhenTheirContentChanges()
    {
        var tree = new TreeBuilder(Src).File("one", "v1").HardLink("two", "one").HardLink("sub/three", "one").File("solo", "s");
        Clone(Src, Dst);
        tree.File("one", "version two");
        var result = Clone(Src, Dst);
        var dst = TreeState.Read(Dst);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), dst));
        Assert.Equal(3, dst.Items.Values.Count(i => i.LinkGroup == dst.Items["one"].LinkGroup));
        Assert.Equal(3, result.ItemsArchived);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(result.SafetyNetFolder!, "sub/three")));
    }

    [Fact]
    public void TypeChanges_ReplaceTheOldItem_AndArchiveIt()
    {
        var tree = new TreeBuilder(Src).File("was-file", "f").Dir("was-dir").File("was-dir/inner", "i").Symlink("was-link", "x");
        Clone(Src, Dst);
        tree.Delete("was-file").Dir("was-file").File("was-file/now", "n")
            .Delete("was-dir").File("was-dir", "now a file")
            .Delete("was-link").Dir("was-link");
        var result = Clone(Src, Dst);
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(Dst)));
        Assert.Equal("i", File.ReadAllText(Path.Combine(result.SafetyNetFolder!, "was-dir/inner")));
        Assert.Equal("f", File.ReadAllText(Path.Combine(result.SafetyNetFolder!, "was-file")));
    }

    [Fact]
    public void PortableFileSystem_ClonesContentTimesModesAndLinks()
    {
        new TreeBuilder(Src).File("a.txt", "alpha").File("sub/b.txt", "beta", (UnixFileMode)0x180).Symlink("l", "a.txt").Dir("empty").Stamp("sub");
        var first = new RecordingEvents();
        var result = Clone(Src, Dst, first, fs: new PortableFileSystem());
        Assert.True(result.Status == CloneStatus.Success, $"{result.Status}: {string.Join("; ", result.ErrorMessages.Concat(first.Warnings).Concat(result.MetadataNotPreserved))}");
        // .NET's own APIs keep times to 100 ns and cannot set a link's time.
        var expected = TreeState.Read(Src);
        var actual = TreeState.Read(Dst);
        foreach (var (path, item) in expected.Items)
        {
            var got = actual.Items[path];
            Assert.Equal(item.Type, got.Type);
            Assert.Equal(item.ContentHash, got.ContentHash);
            Assert.Equal(item.LinkTarget, got.LinkTarget);
            if (item.Type != ItemType.SymbolicLink)
            {
                Assert.Equal(item.Mode, got.Mode);
                Assert.Equal(item.MTimeNs / 100, got.MTimeNs / 100);
            }
        }
        var events = new RecordingEvents();
        Clone(Src, Dst, events, fs: new PortableFileSystem());
        Assert.Empty(events.Actions());
    }
}

public sealed class XattrAndFaultTests : IDisposable
{
    private readonly TempDir _dir = new("xattr");
    private string Src => _dir["src"];
    private string Dst => _dir["dst"];

    public void Dispose() => _dir.Dispose();

    private CloneRunResult Run(InstrumentedFileSystem fs, RecordingEvents? events = null, Func<CloneRequest, CloneRequest>? adjust = null)
    {
        var request = new CloneRequest { Source = Src, Destination = Dst, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 }, RetryDelay = TimeSpan.Zero };
        if (adjust is not null) request = adjust(request);
        return new CloneEngine(fs) { XattrClockMargin = TimeSpan.Zero }.Run(request, events ?? new RecordingEvents(), CancellationToken.None);
    }

    [Fact]
    public void ExtendedAttributes_AreComparedOnlyForItemsChangedSinceTheLastCompleteRun()
    {
        var tree = new TreeBuilder(Src);
        for (int i = 0; i < 50; i++) tree.File($"d/{i}.txt", $"{i}").Xattr($"d/{i}.txt", "user.n", $"{i}");
        tree.Stamp("d");
        Thread.Sleep(20); // times are compared to the millisecond: keep the tree's changes clear of the run's start
        var fs = new InstrumentedFileSystem(new LinuxFileSystem());
        Run(fs);
        Thread.Sleep(20);
        tree.Xattr("d/7.txt", "user.n", "seven");   // changes no time but the status-change time

        var counting = new InstrumentedFileSystem(new LinuxFileSystem());
        var read = new System.Collections.Concurrent.ConcurrentBag<string>();
        counting.Fault = (op, p) => { if (op == nameof(IFileSystem.ReadXattrs)) read.Add(p); return null; };
        var events = new RecordingEvents();
        var result = Run(counting, events);

        Assert.Equal(new[] { "Updated d/7.txt" }, events.Actions());
        Assert.Contains("Extended attributes differ", events.CloneItems.Single().Reason, StringComparison.Ordinal);
        Assert.Equal("seven", Native.GetXattr(Path.Combine(Dst, "d/7.txt"), "user.n"));
        Assert.True(counting.Count(nameof(IFileSystem.ReadXattrs)) <= 6, string.Join(", ", read) + $"read xattrs {counting.Count(nameof(IFileSystem.ReadXattrs))} times: should be only the changed item (and the root)");

        var quiet = new InstrumentedFileSystem(new LinuxFileSystem());
        var noop = new RecordingEvents();
        Run(quiet, noop);
        Assert.Empty(noop.Actions());
    }

    /// <summary>The run's end is recorded after the folder pass: a no-op right after an initial clone
    /// reads no extended attributes but the roots' (the folders the first run stamped are not "changed").</summary>
    [Fact]
    public void NoOpAfterAnInitialClone_ReadsNoExtendedAttributes_ButTheRoots()
    {
        var tree = new TreeBuilder(Src);
        for (int i = 0; i < 30; i++) tree.File($"a{i % 5}/b{i % 3}/{i}.txt", $"{i}");
        tree.Xattr("a1/b1/1.txt", "user.k", "v");
        Thread.Sleep(20);
        Assert.Equal(CloneStatus.Success, Run(new InstrumentedFileSystem(new LinuxFileSystem())).Status);
        Thread.Sleep(20);

        var counting = new InstrumentedFileSystem(new LinuxFileSystem());
        var read = new System.Collections.Concurrent.ConcurrentBag<string>();
        counting.Fault = (op, p) => { if (op == nameof(IFileSystem.ReadXattrs)) read.Add(Path.GetRelativePath(_dir.Path, p)); return null; };
        var events = new RecordingEvents();
        Run(counting, events);
        Assert.Empty(events.Actions());
        Assert.Equal(new[] { "dst", "src" }, read.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TransientErrors_AreRetried_ThenTheItemSucceeds()
    {
        new TreeBuilder(Src).File("flaky.txt", "content").File("fine.txt", "ok");
        int failures = 0;
        var fs = new InstrumentedFileSystem(new LinuxFileSystem())
        {
            Fault = (op, path) => op == nameof(IFileSystem.CopyFile) && path.EndsWith("flaky.txt", StringComparison.Ordinal) && failures < 2
                ? new PlatformIOException("Cannot read", path, 5, IOFailure.Transient, $"Input/output error ({++failures})") : null,
        };
        var events = new RecordingEvents();
        var result = Run(fs, events, r => r with { RetryCount = 2 });
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal(2, failures);
        Assert.Equal("content", File.ReadAllText(Path.Combine(Dst, "flaky.txt")));
    }

    [Fact]
    public void PersistentErrors_FailOnlyThatItem_WithAStableId()
    {
        new TreeBuilder(Src).File("bad.txt", "content").File("good.txt", "ok");
        var fs = new InstrumentedFileSystem(new LinuxFileSystem())
        {
            Fault = (op, path) => op == nameof(IFileSystem.CopyFile) && path.EndsWith("bad.txt", StringComparison.Ordinal)
                ? new PlatformIOException("Cannot open", path, 13, IOFailure.AccessDenied, "Permission denied") : null,
        };
        var events = new RecordingEvents();
        var result = Run(fs, events, r => r with { RetryCount = 3 });
        Assert.Equal(CloneStatus.CompletedWithErrors, result.Status);
        Assert.Equal(1, result.ItemsFailed);
        var error = Assert.Single(events.Errors);
        Assert.Equal("ItemAccessDenied", error.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, error.Kind);
        Assert.Equal("bad.txt", error.Target);
        Assert.Equal(1, fs.Count(nameof(IFileSystem.CopyFile)) - 1); // not retried: permissions do not heal
        Assert.False(File.Exists(Path.Combine(Dst, "bad.txt")));
        Assert.Equal("ok", File.ReadAllText(Path.Combine(Dst, "good.txt")));
    }

    [Fact]
    public void Verify_ReReadsEveryCopiedFile_AndCatchesACorruptCopy()
    {
        new TreeBuilder(Src).File("a.txt", "alpha").File("b.txt", "beta");
        var fs = new InstrumentedFileSystem(new LinuxFileSystem());
        var ok = Run(fs, adjust: r => r with { Verify = true });
        Assert.Equal(2, ok.ItemsVerified);
        Assert.Equal(CloneStatus.Success, ok.Status);

        new TreeBuilder(Src).File("c.txt", "gamma");
        // Corrupt the copy between the copy and the verification (a bad disk or cable).
        var corrupting = new InstrumentedFileSystem(new LinuxFileSystem());
        corrupting.Fault = (op, path) =>
        {
            if (op == nameof(IFileSystem.OpenRead) && path == Path.Combine(Dst, "c.txt").Replace('\\', '/'))
                File.WriteAllText(path, "gamMa");
            return null;
        };
        var events = new RecordingEvents();
        var bad = Run(corrupting, events, r => r with { Verify = true });
        Assert.Equal(CloneStatus.CompletedWithErrors, bad.Status);
        Assert.Equal("VerifyFailed", Assert.Single(events.Errors).ErrorId);
    }
}

public sealed class OwnerAndProgressTests : IDisposable
{
    private readonly TempDir _dir = new("owner");

    public void Dispose() => _dir.Dispose();

    [RootFact]
    public void AsRoot_OwnersAndGroupsAreKept_AndChangesAreUpdated()
    {
        string src = _dir["src"], dst = _dir["dst"];
        var tree = new TreeBuilder(src).File("mine.txt", "m").File("theirs.txt", "t").Symlink("link", "theirs.txt").Dir("sub");
        Native.Chown(tree.Full("theirs.txt"), 1234, 5678);
        Native.Chown(tree.Full("link"), 4321, 8765);
        Native.Chown(tree.Full("sub"), 1111, 2222);
        CloneEngineTests.Clone(src, dst);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
        Assert.Equal(1234u, TreeState.Read(dst).Items["theirs.txt"].Uid);

        Native.Chown(tree.Full("mine.txt"), 42, 43);
        var events = new RecordingEvents();
        CloneEngineTests.Clone(src, dst, events);
        Assert.Equal(new[] { "Updated mine.txt" }, events.Actions());
        Assert.Contains("Owner differs", events.CloneItems.Single().Reason, StringComparison.Ordinal);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
    }

    [Fact]
    public void Progress_ReportsBytesItemsAndRate_AndEndsWithACompletedRecord()
    {
        string src = _dir["src"], dst = _dir["dst"];
        var tree = new TreeBuilder(src);
        for (int i = 0; i < 40; i++) tree.File($"f{i}.bin", new byte[256 << 10]);
        var events = new RecordingEvents();
        var result = CloneEngineTests.Clone(src, dst, events);
        var reports = events.ProgressReports.ToList();
        Assert.NotEmpty(reports);
        var last = reports[^1];
        Assert.True(last.Completed);
        Assert.Equal(40L * (256 << 10), last.BytesTotal);
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Equal(40, last.ItemsTotal);
        Assert.Equal(40, last.ItemsDone);
        Assert.True(last.BytesPerSecond > 0);
        Assert.Equal(100, last.PercentComplete);
        Assert.Equal(40, result.ItemsCopied);
    }
}

public sealed class AtomicCreationTests : IDisposable
{
    private readonly TempDir _dir = new("tmpfile");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NewFiles_AreNamedOnlyWhenComplete_WithoutTempNamesOrRenames()
    {
        string src = _dir["src"], dst = _dir["dst"];
        var tree = new TreeBuilder(src);
        for (int i = 0; i < 20; i++) tree.File($"d/{i}.txt", $"file {i}");
        var fs = new InstrumentedFileSystem(new LinuxFileSystem());
        var request = new CloneRequest { Source = src, Destination = dst, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } };
        var result = new CloneEngine(fs).Run(request, new RecordingEvents(), CancellationToken.None);

        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.Equal(0, fs.Count(nameof(IFileSystem.Rename))); // O_TMPFILE + linkat on this file system
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));

        // A changed file still replaces the old one by rename (the old one goes to the SafetyNet first).
        tree.File("d/3.txt", "changed");
        var changed = new InstrumentedFileSystem(new LinuxFileSystem());
        new CloneEngine(changed).Run(request, new RecordingEvents(), CancellationToken.None);
        Assert.Equal(2, changed.Count(nameof(IFileSystem.Rename)));
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
    }

    [Fact]
    public void NewFiles_DoNotKeepAnAclInheritedFromTheDestinationFolder()
    {
        string src = _dir["src"], dst = _dir["dst"];
        var tree = new TreeBuilder(src);
        tree.File("a.txt", "a").File("d/b.txt", "b");
        Directory.CreateDirectory(dst);
        Native.SetDefaultAcl(dst, 4321);
        // The folder really hands an access ACL to what is created in it (else this test proves nothing).
        File.WriteAllText(Path.Combine(dst, "probe"), "");
        Assert.NotNull(Native.GetXattr(Path.Combine(dst, "probe"), AccessAcl));
        File.Delete(Path.Combine(dst, "probe"));

        var request = new CloneRequest { Source = src, Destination = dst, SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 } };
        Assert.Equal(CloneStatus.Success, new CloneEngine().Run(request, new RecordingEvents(), CancellationToken.None).Status);
        Assert.Null(Native.GetXattr(Path.Combine(dst, "a.txt"), AccessAcl)); // unnamed file, linked
        Assert.Null(Native.GetXattr(Path.Combine(dst, "d/b.txt"), AccessAcl));
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));

        // A changed file is written under a temp name and renamed over the old one: the same holds.
        Native.SetDefaultAcl(Path.Combine(dst, "d"), 4321);
        tree.File("d/b.txt", "changed");
        Assert.Equal(CloneStatus.Success, new CloneEngine().Run(request, new RecordingEvents(), CancellationToken.None).Status);
        Assert.Null(Native.GetXattr(Path.Combine(dst, "d/b.txt"), AccessAcl));
        Assert.Equal("changed", File.ReadAllText(Path.Combine(dst, "d/b.txt")));
    }

    private const string AccessAcl = "system.posix_acl_access";
}
