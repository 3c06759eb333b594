using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>Regression tests for CLI behaviours found wrong in review, each fixed with its test.</summary>
public sealed class CliBugTests() : CliTestBase("bug")
{
    private void ClonedThenChanged()
    {
        Source.File("a.txt", "alpha").File("docs/b.txt", "bravo").File("docs/c.txt", "charlie").Dir("empty");
        CloneOk();
        Source.Change("a.txt", "alpha 2").File("new.txt", "new").Delete("docs/c.txt");
    }

    [Fact]
    public void MaxDelete_DoesNotSwitchOffTheEmptySourceGuard()
    {
        Source.File("docs/a.txt", "alpha").File("docs/b.txt", "bravo").File("docs/c.txt", "charlie");
        CloneOk();
        Directory.Move(Src, Dir["src-away"]);
        Directory.CreateDirectory(Src); // the drive is not mounted
        var before = TreeSnapshot.Take(Dst);
        var r = Clone("--safetynet", "off", "--max-delete", "1000");
        AssertRefused(r, "EmptySource");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst)));
    }

    [Fact]
    public void RefusedRun_DoesNotRewriteTheLockFile()
    {
        ClonedThenChanged();
        Source.Delete("docs/b.txt");
        var before = TreeSnapshot.Take(Dst);
        AssertRefused(Clone("--max-delete", "1"), "TooManyDeletions");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Fact]
    public void DestinationLocked_NamesTheProcessThatHoldsTheLock()
    {
        ClonedThenChanged();
        CliResult r;
        using (var held = new FileStream(Path.Combine(Dst, TreeSnapshot.LockFile), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            held.SetLength(0);
            held.Write(System.Text.Encoding.UTF8.GetBytes(
                $"{{\"pid\":{Environment.ProcessId},\"host\":\"{Environment.MachineName}\",\"source\":\"{Src}\",\"started\":\"{DateTimeOffset.Now:O}\"}}"));
            held.Flush();
            r = Clone();
        }
        var error = AssertRefused(r, "DestinationLocked");
        Assert.Contains($"process {Environment.ProcessId}", (string?)error["message"]);
    }

    [Theory]
    [InlineData("--include", "docs/[")]
    [InlineData("--exclude", "a[")]
    public void InvalidFilterPattern_EndingInABracket_SaysWhatIsWrong(string option, string pattern)
    {
        ClonedThenChanged();
        var error = AssertRefused(Clone(option, pattern), "InvalidFilter");
        string message = (string)error["message"]!;
        Assert.DoesNotContain("startIndex", message);
        Assert.Contains("']'", message);
    }

    [Theory]
    [InlineData("--max-age", "1y", "InvalidAge")]
    [InlineData("--min-free", "12Q", "InvalidSize")]
    [InlineData("--no-such-option", null, "InvalidArguments")]
    public void JsonMode_BadArguments_PrintTheErrorAsJson(string option, string? value, string errorId)
    {
        ClonedThenChanged();
        AssertRefused(value is null ? Clone(option) : Clone(option, value), errorId);
    }

    [Fact]
    public void SafetyNetRestore_IntoALockedDestination_Exit2_NothingRestored()
    {
        Source.File("docs/doc.txt", "version 1");
        CloneOk();
        Source.Change("docs/doc.txt", "version 2");
        CloneOk();
        File.Delete(Path.Combine(Dst, "docs/doc.txt"));
        var before = TreeSnapshot.Take(Dst);
        CliResult r;
        using (new FileStream(Path.Combine(Dst, TreeSnapshot.LockFile), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            r = Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--json");
        }
        AssertRefused(r, "DestinationLocked");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }

    [Fact]
    public void SafetyNetRestore_WhenEveryItemIsRefused_Exit2()
    {
        Source.File("docs/doc.txt", "version 1");
        CloneOk();
        Source.Change("docs/doc.txt", "version 2");
        CloneOk();
        var before = TreeSnapshot.Take(Dst);
        AssertRefused(Psclone("safetynet", "restore", Dst, "--path", "doc.txt", "--json"), "RestoreTargetExists");
        Assert.Equal("", before.Diff(TreeSnapshot.Take(Dst), lockContentToo: true));
    }
}
