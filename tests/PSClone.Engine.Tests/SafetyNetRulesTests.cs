using PSClone.SafetyNet;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>SPEC §3's SafetyNet table: mode × why the item is displaced × where it is × what kind.</summary>
public sealed class SafetyNetRulesTests
{
    public static TheoryData<SafetyNetMode, bool, string, bool, ItemType, ItemType?, string> Table => new()
    {
        // mode, protectRoot, why, atRoot, existing, wanted, expected
        { SafetyNetMode.On, true, "Modified", false, ItemType.File, ItemType.File, "Archive" },
        { SafetyNetMode.On, true, "Modified", true, ItemType.File, ItemType.File, "Archive" },
        { SafetyNetMode.On, true, "Modified", false, ItemType.Directory, ItemType.File, "Archive" },
        { SafetyNetMode.On, true, "Modified", false, ItemType.SymbolicLink, ItemType.SymbolicLink, "Archive" },
        { SafetyNetMode.On, true, "Deleted", false, ItemType.File, null, "Archive" },
        { SafetyNetMode.On, true, "Deleted", false, ItemType.Directory, null, "Archive" },
        { SafetyNetMode.On, true, "Deleted", true, ItemType.File, null, "Leave" },
        { SafetyNetMode.On, true, "Deleted", true, ItemType.Directory, null, "Leave" },
        { SafetyNetMode.On, false, "Deleted", true, ItemType.File, null, "Archive" },
        { SafetyNetMode.On, false, "Deleted", true, ItemType.Directory, null, "Archive" },
        { SafetyNetMode.Off, false, "Modified", false, ItemType.File, ItemType.File, "Delete" },
        { SafetyNetMode.Off, false, "Modified", false, ItemType.Directory, ItemType.File, "Delete" },
        { SafetyNetMode.Off, false, "Deleted", false, ItemType.File, null, "Delete" },
        { SafetyNetMode.Off, false, "Deleted", true, ItemType.File, null, "Delete" },
        { SafetyNetMode.Off, false, "Deleted", true, ItemType.Directory, null, "Delete" },
        { SafetyNetMode.Off, true, "Deleted", true, ItemType.File, null, "Leave" },
        { SafetyNetMode.Off, true, "Deleted", false, ItemType.File, null, "Delete" },
        { SafetyNetMode.KeepAll, false, "Modified", false, ItemType.File, ItemType.File, "Archive" },
        { SafetyNetMode.KeepAll, false, "Modified", false, ItemType.File, ItemType.Directory, "Archive" },
        { SafetyNetMode.KeepAll, false, "Modified", false, ItemType.Directory, ItemType.File, "Fail" },
        { SafetyNetMode.KeepAll, false, "Modified", false, ItemType.Directory, ItemType.SymbolicLink, "Fail" },
        { SafetyNetMode.KeepAll, false, "Deleted", false, ItemType.File, null, "Leave" },
        { SafetyNetMode.KeepAll, false, "Deleted", true, ItemType.Directory, null, "Leave" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_FollowsTheTable(SafetyNetMode mode, bool protectRoot, string why, bool atRoot, ItemType existing, ItemType? wanted, string expected) =>
        Assert.Equal(Enum.Parse<Disposition>(expected),
            SafetyNetRules.Decide(mode, protectRoot, Enum.Parse<Displacement>(why), atRoot, existing, wanted));

    [Theory]
    [InlineData(SafetyNetMode.On, true)]
    [InlineData(SafetyNetMode.Off, false)]
    [InlineData(SafetyNetMode.KeepAll, false)]
    public void RootProtection_DefaultsOnOnlyWithSafetyNetOn(SafetyNetMode mode, bool expected) =>
        Assert.Equal(expected, SafetyNetRules.DefaultProtectRoot(mode));

    /// <summary>The same table on real trees: each situation once, every mode, checked on disk.</summary>
    [Theory]
    [InlineData(SafetyNetMode.On, null)]
    [InlineData(SafetyNetMode.On, false)]
    [InlineData(SafetyNetMode.Off, null)]
    [InlineData(SafetyNetMode.Off, true)]
    [InlineData(SafetyNetMode.KeepAll, null)]
    public void OnRealTrees_EachSituationEndsAsTheTableSays(SafetyNetMode mode, bool? protectRoot)
    {
        using var dir = new TempDir("snrules");
        string src = dir["src"], dst = dir["dst"];
        var tree = new TreeBuilder(src)
            .File("modified.txt", "old").File("nested/modified.txt", "old")
            .File("nested/deleted.txt", "gone soon").File("deleted-at-root.txt", "gone soon")
            .File("nested/deleted-dir/inner.txt", "inner").File("deleted-root-dir/inner.txt", "inner")
            .Symlink("nested/link", "old-target")
            .File("nested/dir-becomes-file/inner.txt", "inner");
        for (int i = 0; i < 30; i++) tree.File($"filler/{i}.txt", "keeps the deletion share under the guard");
        CloneEngineTests.Clone(src, dst);
        File.WriteAllText(Path.Combine(dst, "unique-at-root.txt"), "only on the destination");
        Directory.CreateDirectory(Path.Combine(dst, "nested", "unique-nested"));
        File.WriteAllText(Path.Combine(dst, "nested", "unique-nested", "x.txt"), "only on the destination");

        tree.File("modified.txt", "new!").File("nested/modified.txt", "new!")
            .Delete("nested/deleted.txt").Delete("deleted-at-root.txt")
            .Delete("nested/deleted-dir").Delete("deleted-root-dir")
            .Delete("nested/link").Symlink("nested/link", "new-target")
            .Delete("nested/dir-becomes-file").File("nested/dir-becomes-file", "now a file");
        var events = new RecordingEvents();
        var result = CloneEngineTests.Clone(src, dst, events, r => r with { SafetyNet = mode, ProtectRootItems = protectRoot });

        bool protect = protectRoot ?? SafetyNetRules.DefaultProtectRoot(mode);
        string? net = result.SafetyNetFolder;
        string Dst(string p) => Path.Combine(dst, p);
        string? Net(string p) => net is null ? null : Path.Combine(net, p);
        bool InNet(string p) => Net(p) is { } n && (File.Exists(n) || Directory.Exists(n) || new FileInfo(n).LinkTarget is not null);

        // Modified files: always the new version in place; the old one archived unless Off.
        Assert.Equal("new!", File.ReadAllText(Dst("modified.txt")));
        Assert.Equal("new!", File.ReadAllText(Dst("nested/modified.txt")));
        Assert.Equal(mode != SafetyNetMode.Off, InNet("modified.txt"));
        Assert.Equal(mode != SafetyNetMode.Off, InNet("nested/modified.txt"));
        if (mode != SafetyNetMode.Off) Assert.Equal("old", File.ReadAllText(Net("nested/modified.txt")!));
        Assert.Equal("new-target", new FileInfo(Dst("nested/link")).LinkTarget);
        Assert.Equal(mode != SafetyNetMode.Off, InNet("nested/link"));

        // Deleted from the source: archived (On), deleted (Off), left in place (KeepAll).
        foreach (var path in new[] { "nested/deleted.txt", "nested/deleted-dir" })
        {
            Assert.Equal(mode == SafetyNetMode.KeepAll, File.Exists(Dst(path)) || Directory.Exists(Dst(path)));
            Assert.Equal(mode == SafetyNetMode.On, InNet(path));
        }
        // At the root, protection decides for items that are only on the destination.
        foreach (var path in new[] { "deleted-at-root.txt", "deleted-root-dir", "unique-at-root.txt" })
        {
            bool stays = mode == SafetyNetMode.KeepAll || protect;
            Assert.Equal(stays, File.Exists(Dst(path)) || Directory.Exists(Dst(path)));
            Assert.Equal(!stays && mode == SafetyNetMode.On, InNet(path));
        }
        // A folder that exists on both sides is not root-unique: extras inside it are handled.
        Assert.Equal(mode == SafetyNetMode.KeepAll, Directory.Exists(Dst("nested/unique-nested")));
        Assert.Equal(mode == SafetyNetMode.On, InNet("nested/unique-nested/x.txt"));

        // A folder replaced by a file: archived (On), deleted (Off); KeepAll refuses that one item.
        if (mode == SafetyNetMode.KeepAll)
        {
            Assert.True(Directory.Exists(Dst("nested/dir-becomes-file")));
            Assert.Equal(CloneStatus.CompletedWithErrors, result.Status);
            var error = Assert.Single(events.Errors);
            Assert.Equal("TypeChangeNotAllowed", error.ErrorId);
            Assert.Equal("nested/dir-becomes-file", error.Target);
        }
        else
        {
            Assert.Equal("now a file", File.ReadAllText(Dst("nested/dir-becomes-file")));
            Assert.Equal(mode == SafetyNetMode.On, InNet("nested/dir-becomes-file/inner.txt"));
            Assert.Empty(events.Errors);
        }
        if (mode == SafetyNetMode.Off) Assert.Null(net);
    }
}
