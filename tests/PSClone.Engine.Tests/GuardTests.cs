using PSClone.Cloning;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>Safety checks and guards: each refusal has its own id, and nothing is written.</summary>
public sealed class GuardTests : IDisposable
{
    private readonly TempDir _dir = new("guards");
    private string Src => _dir["src"];
    private string Dst => _dir["dst"];

    public void Dispose() => _dir.Dispose();

    private void Refused(string errorId, FailureKind kind, Func<CloneRequest, CloneRequest>? adjust = null, string? src = null, string? dst = null)
    {
        string target = dst ?? Dst;
        var before = Directory.Exists(target) ? TreeState.Read(target, includeReserved: true) : null;
        var ex = Assert.Throws<PSCloneException>(() => CloneEngineTests.Clone(src ?? Src, target, adjust: adjust));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.True(ex.NothingDone);
        if (before is null) Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any(), "nothing may be created");
        else Assert.Equal("", TreeState.Diff(before, TreeState.Read(target, includeReserved: true)));
    }

    [Fact]
    public void MissingSource() => Refused("SourceNotFound", FailureKind.ObjectNotFound, src: _dir["nope"]);

    [Fact]
    public void SourceIsAFile()
    {
        new TreeBuilder(_dir.Path).File("file.txt", "x");
        Refused("SourceNotFolder", FailureKind.InvalidArgument, src: _dir["file.txt"]);
    }

    [Fact]
    public void DestinationIsTheSource()
    {
        TreeBuilder.Sample(Src);
        Refused("DestinationIsSource", FailureKind.InvalidArgument, dst: Src + "/");
    }

    [Fact]
    public void DestinationReachedThroughALinkIsStillTheSource()
    {
        TreeBuilder.Sample(Src);
        File.CreateSymbolicLink(_dir["alias"], Src);
        Refused("DestinationIsSource", FailureKind.InvalidArgument, dst: _dir["alias"]);
    }

    [Fact]
    public void DestinationInsideSource_UnlessExcluded()
    {
        TreeBuilder.Sample(Src);
        Refused("DestinationInsideSource", FailureKind.InvalidArgument, dst: Path.Combine(Src, "docs", "backup"));
        var result = CloneEngineTests.Clone(Src, Path.Combine(Src, "backup"), adjust: r => r with { Exclude = new[] { "/backup/" } });
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.False(Directory.Exists(Path.Combine(Src, "backup", "backup")));
    }

    [Fact]
    public void SourceInsideDestination()
    {
        TreeBuilder.Sample(Src);
        Refused("SourceInsideDestination", FailureKind.InvalidArgument, dst: _dir.Path);
    }

    [Fact]
    public void DestinationIsAFile()
    {
        TreeBuilder.Sample(Src);
        File.WriteAllText(Dst, "a file");
        var ex = Assert.Throws<PSCloneException>(() => CloneEngineTests.Clone(Src, Dst));
        Assert.Equal("DestinationIsFile", ex.ErrorId);
        Assert.Equal("a file", File.ReadAllText(Dst));
    }

    [Fact]
    public void DestinationParentMissing()
    {
        TreeBuilder.Sample(Src);
        Refused("DestinationParentNotFound", FailureKind.ObjectNotFound, dst: _dir["not/mounted/backup"]);
    }

    [Fact]
    public void UnrelatedDestinationWithoutMarker_IsRefusedUnlessForced()
    {
        TreeBuilder.Sample(Src);
        var other = new TreeBuilder(Dst);
        for (int i = 0; i < 10; i++) other.File($"photos/{i}.jpg", "someone else's");
        Refused("DestinationNotAClone", FailureKind.InvalidOperation);
        var forced = CloneEngineTests.Clone(Src, Dst, adjust: r => r with { Force = true, MaxDeletePercent = 100 });
        Assert.Equal(CloneStatus.Success, forced.Status);
    }

    [Fact]
    public void DestinationSeededByHand_IsAccepted()
    {
        TreeBuilder.Sample(Src);
        CloneEngineTests.Clone(Src, Dst);
        File.Delete(Path.Combine(Dst, ".psclone"));
        var result = CloneEngineTests.Clone(Src, Dst);
        Assert.Equal(CloneStatus.Success, result.Status);
    }

    [Fact]
    public void MarkerNamingAnotherSource_IsRefusedUnlessForced()
    {
        TreeBuilder.Sample(Src);
        CloneEngineTests.Clone(Src, Dst);
        string other = _dir["other"];
        TreeBuilder.Sample(other);
        Refused("DestinationBelongsToOtherSource", FailureKind.InvalidOperation, src: other);
        Assert.Equal(CloneStatus.Success, CloneEngineTests.Clone(other, Dst, adjust: r => r with { Force = true }).Status);
        Assert.Contains(other, File.ReadAllText(Path.Combine(Dst, ".psclone")), StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySource_NeverWipesTheDestination()
    {
        TreeBuilder.Sample(Src);
        CloneEngineTests.Clone(Src, Dst);
        foreach (var e in Directory.EnumerateFileSystemEntries(Src)) TempDir.ForceDelete(e);
        // With root protection (the default with SafetyNet On) nothing at the root would go anyway.
        Assert.Equal(0, CloneEngineTests.Clone(Src, Dst).ItemsArchived);
        Refused("EmptySource", FailureKind.InvalidOperation, r => r with { ProtectRootItems = false });
        Refused("EmptySource", FailureKind.InvalidOperation, r => r with { SafetyNet = SafetyNetMode.Off });
        // An explicit 100% allows it on purpose.
        Assert.Equal(CloneStatus.Success, CloneEngineTests.Clone(Src, Dst, adjust: r => r with { MaxDeletePercent = 100, ProtectRootItems = false }).Status);
        Assert.Empty(TreeState.Read(Dst).Items);
    }

    [Fact]
    public void MuchSmallerSource_StopsBeforeAnythingIsArchived()
    {
        var tree = new TreeBuilder(Src);
        for (int i = 0; i < 40; i++) tree.File($"data/{i}.txt", $"file {i}");
        CloneEngineTests.Clone(Src, Dst);
        for (int i = 0; i < 30; i++) tree.Delete($"data/{i}.txt");
        Refused("TooManyDeletions", FailureKind.InvalidOperation);
        Refused("TooManyDeletions", FailureKind.InvalidOperation, r => r with { MaxDelete = 29 });
        var allowed = CloneEngineTests.Clone(Src, Dst, adjust: r => r with { MaxDelete = 30 });
        Assert.Equal(30, allowed.ItemsArchived);
    }

    [Fact]
    public void SecondRunOnTheSameDestination_FailsAtOnce_AndAStaleLockDoesNotBlock()
    {
        TreeBuilder.Sample(Src);
        CloneEngineTests.Clone(Src, Dst);
        new TreeBuilder(Src).File("new.txt", "n");
        using (new FileStream(Path.Combine(Dst, ".psclone.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var ex = Assert.Throws<PSCloneException>(() => CloneEngineTests.Clone(Src, Dst));
            Assert.Equal("DestinationLocked", ex.ErrorId);
            Assert.Equal(FailureKind.ResourceBusy, ex.Kind);
            Assert.False(File.Exists(Path.Combine(Dst, "new.txt")));
        }
        // The lock file is still there, but nobody holds it: it is stale, and the run goes ahead.
        Assert.True(File.Exists(Path.Combine(Dst, ".psclone.lock")));
        Assert.Equal(1, CloneEngineTests.Clone(Src, Dst).ItemsCopied);
    }

    [Theory]
    [InlineData(-1.0, "InvalidMaxDeletePercent")]
    [InlineData(101.0, "InvalidMaxDeletePercent")]
    public void BadOptions_AreRefused(double percent, string errorId)
    {
        TreeBuilder.Sample(Src);
        Refused(errorId, FailureKind.InvalidArgument, r => r with { MaxDeletePercent = percent });
    }
}
