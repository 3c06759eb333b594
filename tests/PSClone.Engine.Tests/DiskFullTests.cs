using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>A destination that fills up during a run, on a real 20 MiB tmpfs.</summary>
public sealed class DiskFullTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempDir _dir = new("diskfull");

    public void Dispose() => _dir.Dispose();

    private static byte[] Data(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Every file under a real name on the destination is whole: equal to its source.</summary>
    private static void AssertNoTornFiles(string src, string dst)
    {
        foreach (var file in Directory.EnumerateFiles(dst, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(dst, file);
            Assert.False(Path.GetFileName(file).EndsWith(".tmp", StringComparison.Ordinal) && Path.GetFileName(file).StartsWith(".psclone-", StringComparison.Ordinal),
                $"temp file left behind: {rel}");
            if (rel.StartsWith(".psclone", StringComparison.Ordinal) || rel.StartsWith("_PSClone SafetyNet", StringComparison.Ordinal)) continue;
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(src, rel))), $"torn or stale file under a real name: {rel}");
        }
    }

    [RootFact]
    public void FullDestination_AutoAdjustPrunesOlderSafetyNetRuns_AndTheRunCompletes()
    {
        string src = _dir["src"];
        using var disk = new SmallDisk(_dir["disk"], 20);
        string dst = Path.Combine(disk.Path, "clone");
        var tree = new TreeBuilder(src);
        for (int i = 0; i < 4; i++) tree.File($"f{i}.bin", Data(i, 2 * MiB));
        CloneEngineTests.Clone(src, dst);
        for (int i = 0; i < 4; i++) tree.File($"f{i}.bin", Data(100 + i, 2 * MiB));
        var second = CloneEngineTests.Clone(src, dst);
        Assert.Equal(4, second.ItemsArchived);       // 8 MiB of old versions in the SafetyNet

        for (int i = 0; i < 3; i++) tree.File($"new{i}.bin", Data(200 + i, 2 * MiB));
        var events = new RecordingEvents();
        var third = CloneEngineTests.Clone(src, dst, events);

        Assert.True(third.Status == CloneStatus.CompletedWithWarnings, $"{third.Status}: {string.Join(" | ", third.ErrorMessages.Concat(events.Warnings))}");
        Assert.Equal(3, third.ItemsCopied);
        Assert.Equal(1, third.SafetyNetRunsPruned);
        Assert.NotNull(third.AdjustedMinFreeBytes);
        Assert.Contains(events.Warnings, w => w.Contains("filled up", StringComparison.Ordinal));
        Assert.False(Directory.Exists(second.SafetyNetFolder));
        AssertNoTornFiles(src, dst);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(dst)));
    }

    [RootFact]
    public void FullDestination_WithNothingToPrune_StopsCleanly_SayingHowMuchMoreIsNeeded()
    {
        string src = _dir["src"];
        using var disk = new SmallDisk(_dir["disk"], 10);
        string dst = Path.Combine(disk.Path, "clone");
        var tree = new TreeBuilder(src);
        for (int i = 0; i < 8; i++) tree.File($"f{i}.bin", Data(i, 2 * MiB));
        var events = new RecordingEvents();
        var result = CloneEngineTests.Clone(src, dst, events);

        Assert.Equal(CloneStatus.Failed, result.Status);
        var error = events.Errors.Single(e => e.ErrorId == "DestinationFull");
        Assert.Equal(FailureKind.QuotaExceeded, error.Kind);
        Assert.Contains("more are needed", error.Message, StringComparison.Ordinal);
        AssertNoTornFiles(src, dst);
        Assert.True(result.ItemsCopied is > 0 and < 8);

        // With room again (a bigger disk), the next run finishes what is missing.
        using var bigger = new SmallDisk(_dir["bigger"], 40);
        string moved = Path.Combine(bigger.Path, "clone");
        TempDir.ForceDelete(moved);
        var copy = System.Diagnostics.Process.Start("cp", new[] { "-a", dst, moved })!;
        copy.WaitForExit();
        var retry = CloneEngineTests.Clone(src, moved);
        Assert.Equal(CloneStatus.Success, retry.Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(moved)));
    }
}
