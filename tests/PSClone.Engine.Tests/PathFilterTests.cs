using PSClone.Cloning;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

public sealed class PathFilterTests
{
    [Theory]
    [InlineData("*.tmp", "a.tmp", false, true)]
    [InlineData("*.tmp", "deep/er/a.tmp", false, true)]
    [InlineData("*.tmp", "a.tmpx", false, false)]
    [InlineData("cache/", "cache", true, true)]
    [InlineData("cache/", "x/cache", true, true)]
    [InlineData("cache/", "cache", false, false)]
    [InlineData("/build", "build", true, true)]
    [InlineData("/build", "src/build", true, false)]
    [InlineData("docs/*.md", "docs/a.md", false, true)]
    [InlineData("docs/*.md", "docs/sub/a.md", false, false)]
    [InlineData("docs/*.md", "x/docs/a.md", false, false)]
    [InlineData("**/node_modules", "node_modules", true, true)]
    [InlineData("**/node_modules", "a/b/node_modules", true, true)]
    [InlineData("logs/**", "logs/a/b.txt", false, true)]
    [InlineData("logs/**", "logs", true, false)]
    [InlineData("a/**/z", "a/z", false, true)]
    [InlineData("a/**/z", "a/b/c/z", false, true)]
    [InlineData("file?.txt", "file1.txt", false, true)]
    [InlineData("file?.txt", "file10.txt", false, false)]
    [InlineData("[ab]*.log", "b1.log", false, true)]
    [InlineData("[!ab]*.log", "c1.log", false, true)]
    [InlineData("[!ab]*.log", "a1.log", false, false)]
    [InlineData("name with spaces.txt", "dir/name with spaces.txt", false, true)]
    public void Exclude_MatchesGitignoreStyle(string pattern, string path, bool isDirectory, bool expected)
    {
        var filter = new PathFilter(Array.Empty<string>(), new[] { pattern }, null);
        Assert.Equal(expected, filter.IsExcluded(path, isDirectory));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[abc")]
    [InlineData("/")]
    public void BadPattern_IsRefusedWithItsOwnErrorId(string pattern)
    {
        var ex = Assert.Throws<PSCloneException>(() => new PathFilter(Array.Empty<string>(), new[] { pattern }, null));
        Assert.Equal("InvalidFilter", ex.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void FilterFile_ReadsIncludesExcludesAndComments()
    {
        using var dir = new TempDir("filter");
        string file = dir["rules.txt"];
        File.WriteAllLines(file, new[] { "# a comment", "", "+ *.docx", "- *.bak", "cache/" });
        var filter = new PathFilter(Array.Empty<string>(), Array.Empty<string>(), file);
        Assert.True(filter.HasIncludes);
        Assert.True(filter.IsIncluded("a/b.docx", false));
        Assert.True(filter.IsExcluded("x.bak", false));
        Assert.True(filter.IsExcluded("p/cache", true));
        Assert.False(filter.IsExcluded("a/b.docx", false));
    }

    [Fact]
    public void MissingFilterFile_IsAClearError()
    {
        var ex = Assert.Throws<PSCloneException>(() => new PathFilter(Array.Empty<string>(), Array.Empty<string>(), "/nonexistent/rules.txt"));
        Assert.Equal("FilterFileNotReadable", ex.ErrorId);
        Assert.Contains("/nonexistent/rules.txt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_WithExcludes_SkipsThemAndLeavesExcludedDestinationItemsAlone()
    {
        using var dir = new TempDir("filterclone");
        string src = dir["src"], dst = dir["dst"];
        new TreeBuilder(src).File("keep.txt", "k").File("skip.tmp", "s").File("cache/big.bin", "c").File("a/node_modules/x.js", "x").File("a/app.js", "a");
        var result = CloneEngineTests.Clone(src, dst, adjust: r => r with { Exclude = new[] { "*.tmp", "cache/", "**/node_modules" } });
        Assert.Equal(CloneStatus.Success, result.Status);
        Assert.True(File.Exists(Path.Combine(dst, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(dst, "a/app.js")));
        Assert.False(File.Exists(Path.Combine(dst, "skip.tmp")));
        Assert.False(Directory.Exists(Path.Combine(dst, "cache")));
        Assert.False(Directory.Exists(Path.Combine(dst, "a/node_modules")));

        // An excluded item that exists on the destination is neither deleted nor archived.
        File.WriteAllText(Path.Combine(dst, "mine.tmp"), "destination's own");
        var again = CloneEngineTests.Clone(src, dst, adjust: r => r with { Exclude = new[] { "*.tmp", "cache/", "**/node_modules" }, ProtectRootItems = false });
        Assert.Equal(0, again.ItemsArchived + again.ItemsDeleted);
        Assert.Equal("destination's own", File.ReadAllText(Path.Combine(dst, "mine.tmp")));
    }

    [Fact]
    public void Clone_WithIncludes_TakesOnlyMatchesAndTheFoldersThatHoldThem()
    {
        using var dir = new TempDir("include");
        string src = dir["src"], dst = dir["dst"];
        new TreeBuilder(src).File("a/report.docx", "r").File("a/notes.txt", "n").File("b/c/plan.docx", "p").File("d/other.txt", "o").File("keepdir/x.txt", "x");
        var result = CloneEngineTests.Clone(src, dst, adjust: r => r with { Include = new[] { "*.docx", "keepdir/" } });
        Assert.Equal(CloneStatus.Success, result.Status);
        var got = TreeState.Read(dst).Items.Keys.ToList();
        Assert.Equal(new[] { "a", "a/report.docx", "b", "b/c", "b/c/plan.docx", "keepdir", "keepdir/x.txt" }, got);
    }
}
