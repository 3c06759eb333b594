using System.Text;
using PSClone.Images;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>What Get-BackupImageItem selects (ImageItemQuery), the drive namespace the BackupImage
/// provider adapts (ImageDriveView) and how Get-Content reads through it (ImageContentReader), on
/// real images. The provider itself cannot run here (no PowerShell), so all its logic is tested here.</summary>
public sealed class ImageDriveTests : IDisposable
{
    private readonly TempDir _dir = new("browse");
    private readonly string _image;
    private readonly string _first;
    private readonly string _second;

    public ImageDriveTests()
    {
        _image = _dir["b.psimg"];
        ImageKit.Create(_image);
        var src = new TreeBuilder(_dir["src"])
            .File("docs/a.txt", "alpha\r\nbeta\nlast line without newline")
            .File("docs/report.docx", "report v1")
            .File("docs/sub/deep.docx", "deep")
            .File("notes.txt", "notes")
            .File("odd[1].txt", "brackets")
            .Dir("empty")
            .Symlink("link", "notes.txt");
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(src.Root, _image).Status);
        src.File("docs/report.docx", "report v2, longer").File("new.txt", "new");
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(src.Root, _image).Status);
        var snapshots = ImageKit.Snapshots(_image);
        (_first, _second) = (snapshots[0].Id, snapshots[1].Id);
    }

    public void Dispose() => _dir.Dispose();

    private List<string> Find(string? path, bool recurse, string? snapshot = null)
    {
        using var browser = new ImageManager().OpenBrowser(_image, null);
        return ImageItemQuery.Find(browser, snapshot, path, recurse, default).Select(e => e.Path).ToList();
    }

    private static List<string> Sorted(IEnumerable<string> items) => items.OrderBy(p => p, StringComparer.Ordinal).ToList();

    // ---------------------------------------------------------------- ImageItemQuery

    [Fact]
    public void Query_NoPath_ListsTheRoot_AndRecurseListsEverythingParentsFirst()
    {
        Assert.Equal(new[] { "docs", "empty", "link", "new.txt", "notes.txt", "odd[1].txt" }, Sorted(Find(null, false)));
        var all = Find("", true);
        Assert.Equal(new[] { "docs", "docs/a.txt", "docs/report.docx", "docs/sub", "docs/sub/deep.docx", "empty", "link", "new.txt", "notes.txt", "odd[1].txt" }, Sorted(all));
        foreach (var (path, index) in all.Select((p, i) => (p, i)).Where(x => x.p.Contains('/')))
            Assert.True(all.IndexOf(path[..path.LastIndexOf('/')]) < index, $"{path} came before its folder");
    }

    [Fact]
    public void Query_AFolderPathListsItsItems_AFilePathNamesItself_AMissingOneIsAnError()
    {
        Assert.Equal(new[] { "docs/a.txt", "docs/report.docx", "docs/sub" }, Sorted(Find("docs", false)));
        Assert.Equal(new[] { "docs/a.txt", "docs/report.docx", "docs/sub", "docs/sub/deep.docx" }, Sorted(Find("/docs/", true)));
        Assert.Equal(new[] { "docs/sub/deep.docx" }, Find(@"docs\sub\deep.docx", false));
        Assert.Empty(Find("empty", true));
        var ex = Assert.Throws<PSCloneException>(() => Find("docs/missing.txt", false));
        Assert.Equal("ImagePathNotFound", ex.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, ex.Kind);
    }

    [Fact]
    public void Query_PatternsMatchAtTheirDepth_OrAtAnyDepthWithRecurse_CaseInsensitive()
    {
        Assert.Empty(Find("*.docx", false));
        Assert.Equal(new[] { "docs/report.docx", "docs/sub/deep.docx" }, Sorted(Find("*.DOCX", true)));
        Assert.Equal(new[] { "docs/report.docx" }, Find("docs/*.docx", false));
        Assert.Equal(new[] { "docs/report.docx", "docs/sub/deep.docx" }, Sorted(Find("docs/*.docx", true)));
        Assert.Equal(new[] { "new.txt", "notes.txt" }, Sorted(Find("n*", false)));
        Assert.Equal(new[] { "docs/a.txt" }, Find("d*/?.txt", false));
        Assert.Empty(Find("nothing/*.txt", true)); // no match is no error
    }

    [Fact]
    public void Query_BracketsAreAPattern_ABacktickEscapesThem()
    {
        Assert.Empty(Find("odd[1].txt", false)); // [1] is a character class: it matches "odd1.txt"
        Assert.Equal(new[] { "odd[1].txt" }, Find("odd`[1`].txt", false));
    }

    [Fact]
    public void Query_TakesASnapshotByIdPrefixOrLatest()
    {
        Assert.DoesNotContain("new.txt", Find(null, false, _first[..6]));
        Assert.Contains("new.txt", Find(null, false, "latest"));
        using var browser = new ImageManager().OpenBrowser(_image, null);
        var old = ImageItemQuery.Find(browser, _first, "docs/report.docx", false, default).Single();
        Assert.Equal((_first, 9L), (old.SnapshotId, old.Size));
        var ex = Assert.Throws<PSCloneException>(() => ImageItemQuery.Find(browser, "ffffffff", null, false, default));
        Assert.Equal("SnapshotNotFound", ex.ErrorId);
    }

    [Fact]
    public void Query_IsCanceledBetweenFolders()
    {
        using var browser = new ImageManager().OpenBrowser(_image, null);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => ImageItemQuery.Find(browser, null, null, true, cancel.Token).ToList());
    }

    [Fact]
    public void Query_ABlockSnapshotHoldsOneFileNamedAfterTheDevice()
    {
        string device = _dir["disk.img"];
        File.WriteAllBytes(device, Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray());
        var block = new ImageManager().BackupDevice(device, _image, null, NullEngineEvents.Instance, default);
        Assert.Equal(new[] { "disk.img" }, Find(null, true, block.Id));
        Assert.Equal(new[] { "disk.img" }, Find("*.IMG", false, block.Id));
        Assert.Empty(Find("*.iso", false, block.Id));
        Assert.Equal("ImagePathNotFound", Assert.Throws<PSCloneException>(() => Find("other", false, block.Id)).ErrorId);
    }

    // ---------------------------------------------------------------- ImageDriveView: path algebra

    private static readonly char S = ImageDriveView.Separator;

    private static string P(string slashed) => slashed.Replace('/', S);

    [Theory]
    [InlineData("/i.psimg/abc/docs", "/i.psimg/abc/docs")]
    [InlineData(@"\i.psimg\abc\docs\", "/i.psimg/abc/docs")]
    [InlineData("/i.psimg//abc///docs//", "/i.psimg/abc/docs")]
    [InlineData("/", "/")]
    [InlineData("docs", "docs")]
    [InlineData("name with trailing space ", "name with trailing space ")]
    public void Normalize_UsesOneSeparatorAndNoTrailingOne(string path, string expected)
    {
        Assert.Equal(P(expected), ImageDriveView.Normalize(path));
    }

    [Theory]
    [InlineData("/i.psimg/abc", "docs", "/i.psimg/abc/docs")]
    [InlineData("/i.psimg/abc/", @"docs\a.txt", "/i.psimg/abc/docs/a.txt")]
    [InlineData("", "docs", "docs")]
    [InlineData("/i.psimg", "", "/i.psimg")]
    public void MakePath_JoinsWithOneSeparator(string parent, string child, string expected)
    {
        Assert.Equal(P(expected), ImageDriveView.MakePath(parent, child));
    }

    [Theory]
    [InlineData("/i.psimg/abc/docs/a.txt", "/i.psimg/abc", "/i.psimg/abc/docs")]
    [InlineData("/i.psimg/abc/docs", "/i.psimg/abc", "/i.psimg/abc")]
    [InlineData("/i.psimg/abc", "/i.psimg/abc", "")]
    [InlineData(@"\i.psimg\abc\", "/i.psimg/abc", "")]
    [InlineData("docs/a.txt", "", "docs")]
    [InlineData("docs", "", "")]
    public void GetParentPath_StopsAtTheDriveRoot(string path, string root, string expected)
    {
        Assert.Equal(P(expected), ImageDriveView.GetParentPath(path, root));
    }

    [Theory]
    [InlineData("/i.psimg/abc/docs/a.txt", "a.txt")]
    [InlineData(@"\i.psimg\abc\docs\", "docs")]
    [InlineData("docs", "docs")]
    public void GetChildName_IsTheLastName(string path, string expected)
    {
        Assert.Equal(expected, ImageDriveView.GetChildName(path));
    }

    // ---------------------------------------------------------------- ImageDriveView: one snapshot

    private ImageDriveView View(string? snapshot = null, bool all = false) => new(new ImageManager().OpenBrowser(_image, null), snapshot, all);

    [Fact]
    public void OneSnapshotView_RootIsTheSnapshotFolder_AndPathsResolveAbsoluteOrRelative()
    {
        using var view = View();
        Assert.Equal(ImageDriveView.Normalize(_image) + S + _second, view.Root);
        Assert.Equal(_second, view.Snapshot!.Id);

        var root = view.GetItem(view.Root)!;
        Assert.True(root.IsContainer);
        Assert.Equal(_second, Assert.IsType<BackupSnapshot>(root.Item).Id);

        var file = view.GetItem(view.Root + S + "docs" + S + "report.docx")!;
        Assert.False(file.IsContainer);
        var entry = Assert.IsType<BackupImageEntry>(file.Item);
        Assert.Equal(("docs/report.docx", 17L, _second), (entry.Path, entry.Size, entry.SnapshotId));
        Assert.Equal("report.docx", file.Name);
        Assert.Equal(view.Root + S + "docs" + S + "report.docx", file.Path);

        Assert.Equal(file.Path, view.GetItem(@"docs\report.docx")!.Path); // relative to the drive root
        Assert.Equal(file.Path, view.GetItem(view.Root.Replace(S, '\\') + @"\docs\report.docx")!.Path);
        Assert.True(view.GetItem("docs")!.IsContainer);
        Assert.False(view.GetItem("link")!.IsContainer);
        Assert.Null(view.GetItem("docs/missing.txt"));
        Assert.Null(view.GetItem("notes.txt/below-a-file"));
        Assert.Null(view.GetItem(ImageDriveView.Normalize(_dir["other.psimg"]) + S + "docs"));
        Assert.False(view.Contains(ImageDriveView.Normalize(_image))); // above the root
        Assert.True(view.Contains(view.Root + S + "anything"));
    }

    [Fact]
    public void OneSnapshotView_ChildrenAndWalk_FollowTheTree_DepthAsGetChildItem()
    {
        using var view = View(_first[..5]);
        Assert.Equal(_first, view.Snapshot!.Id);
        var children = view.GetChildren(view.Root);
        Assert.Equal(new[] { "docs", "empty", "link", "notes.txt", "odd[1].txt" }, Sorted(children.Select(c => c.Name)));
        Assert.All(children, c => Assert.Equal(view.Root + S + c.Name, c.Path));
        Assert.Equal(new[] { true, true, false, false, false }, children.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.IsContainer));
        Assert.Empty(view.GetChildren("notes.txt"));
        Assert.Empty(view.GetChildren("missing"));

        string Rel(ImageDriveItem i) => i.Path[(view.Root.Length + 1)..].Replace(S, '/');
        Assert.Equal(5, view.Walk(view.Root, 0, default).Count());
        Assert.Equal(new[] { "docs", "docs/a.txt", "docs/report.docx", "docs/sub", "empty", "link", "notes.txt", "odd[1].txt" },
            Sorted(view.Walk(view.Root, 1, default).Select(Rel)));
        var all = view.Walk("", uint.MaxValue, default).Select(Rel).ToList();
        Assert.Equal(9, all.Count);
        Assert.True(all.IndexOf("docs/sub") < all.IndexOf("docs/sub/deep.docx"));
        Assert.Equal(new[] { "docs/sub/deep.docx" }, view.Walk("docs/sub", uint.MaxValue, default).Select(Rel));
    }

    [Fact]
    public void View_OfAMissingSnapshot_FailsAndReleasesTheImage()
    {
        var ex = Assert.Throws<PSCloneException>(() => View("0123456789"));
        Assert.Equal("SnapshotNotFound", ex.ErrorId);
        // The browser was closed: a backup (a writer) can open the image.
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(_dir["src"], _image).Status);
    }

    [Fact]
    public void View_HoldsTheImageOpen_WritersAreBusyUntilItIsDisposed()
    {
        var view = View();
        var refused = Assert.Throws<PSCloneException>(() => ImageKit.Backup(_dir["src"], _image));
        Assert.Equal("ImageBusy", refused.ErrorId);
        view.Dispose();
        Assert.Equal(CloneStatus.Success, ImageKit.Backup(_dir["src"], _image).Status);
    }

    // ---------------------------------------------------------------- ImageDriveView: every snapshot

    [Fact]
    public void AllSnapshotsView_RootIsTheImage_WithOneFolderPerSnapshotNamedByItsId()
    {
        using var view = View(all: true);
        Assert.Null(view.Snapshot);
        Assert.Equal(ImageDriveView.Normalize(_image), view.Root);
        var root = view.GetItem(view.Root)!;
        Assert.Equal(2, Assert.IsType<BackupImageInfo>(root.Item).SnapshotCount);

        var folders = view.GetChildren(view.Root);
        Assert.Equal(new[] { _first, _second }, folders.Select(f => f.Name));
        Assert.All(folders, f => Assert.True(f.IsContainer && f.Item is BackupSnapshot));

        var old = Assert.IsType<BackupImageEntry>(view.GetItem(_first + "/docs/report.docx")!.Item);
        Assert.Equal(9, old.Size);
        Assert.Equal(_second, Assert.IsType<BackupImageEntry>(view.GetItem("latest/new.txt")!.Item).SnapshotId);
        Assert.Equal(_first, Assert.IsType<BackupSnapshot>(view.GetItem(_first[..4])!.Item).Id);
        Assert.Null(view.GetItem(_first + "/new.txt"));
        Assert.Null(view.GetItem("fffffff/docs"));
        Assert.Equal(10, view.Walk(view.Root + S + _second, uint.MaxValue, default).Count());
        Assert.Equal(2 + 9 + 10, view.Walk(view.Root, uint.MaxValue, default).Count());
        var described = view.Describe("bk");
        Assert.Equal(("bk", _image, (string?)null, view.Root), (described.Name, described.Image, described.SnapshotId, described.Root));
    }

    // ---------------------------------------------------------------- content

    [Fact]
    public void OpenContent_ReadsFiles_AndNamesWhatIsNotAFile()
    {
        using var view = View(all: true);
        using (var stream = view.OpenContent(_first + "/docs/report.docx"))
            Assert.Equal("report v1", new StreamReader(stream).ReadToEnd());
        Assert.Equal("ImageItemNotFile", Assert.Throws<PSCloneException>(() => view.OpenContent("latest/docs")).ErrorId);
        Assert.Equal("ImageItemNotFile", Assert.Throws<PSCloneException>(() => view.OpenContent("latest/link")).ErrorId);
        Assert.Equal("ImageItemNotFile", Assert.Throws<PSCloneException>(() => view.OpenContent("latest")).ErrorId);
        Assert.Equal("ImageItemNotFile", Assert.Throws<PSCloneException>(() => view.OpenContent(view.Root)).ErrorId);
        var missing = Assert.Throws<PSCloneException>(() => view.OpenContent("latest/missing.txt"));
        Assert.Equal(("ImagePathNotFound", FailureKind.ObjectNotFound), (missing.ErrorId, missing.Kind));
    }

    [Fact]
    public void BlockSnapshot_IsAFolderWithTheDeviceFile_WhoseContentIsTheDevice()
    {
        string device = _dir["disk.img"];
        var bytes = new byte[300_000];
        new Random(5).NextBytes(bytes.AsSpan(0, 100_000)); // the rest stays zero (stored as holes)
        File.WriteAllBytes(device, bytes);
        var block = new ImageManager().BackupDevice(device, _image, null, NullEngineEvents.Instance, default);

        using var view = View(all: true);
        var file = Assert.Single(view.GetChildren(block.Id));
        Assert.Equal(("disk.img", false), (file.Name, file.IsContainer));
        Assert.NotNull(view.GetItem(block.Id + "/disk.img"));
        Assert.Null(view.GetItem(block.Id + "/other"));
        using var stream = view.OpenContent(block.Id + "/disk.img");
        var read = new MemoryStream();
        stream.CopyTo(read);
        Assert.Equal(bytes, read.ToArray());

        using var latest = View(); // a drive of the block snapshot alone
        Assert.Equal(new[] { "disk.img" }, latest.GetChildren(latest.Root).Select(c => c.Name));
    }

    private static ImageContentReader Reader(string text, ImageContentMode mode, Encoding? encoding = null)
    {
        var bytes = (encoding ?? new UTF8Encoding(false)).GetPreamble().Concat((encoding ?? Encoding.UTF8).GetBytes(text)).ToArray();
        return new ImageContentReader(new MemoryStream(bytes), mode);
    }

    [Fact]
    public void ContentReader_Lines_SplitLikeGetContent_InBlocksOfReadCount()
    {
        using var reader = Reader("one\r\ntwo\nthree\n", ImageContentMode.Lines);
        Assert.Equal(new[] { "one", "two" }, reader.Read(2).Cast<string>());
        Assert.Equal(new[] { "three" }, reader.Read(2).Cast<string>());
        Assert.Empty(reader.Read(2));
        reader.Seek(0, SeekOrigin.Begin);
        Assert.Equal(new[] { "one", "two", "three" }, reader.Read(0).Cast<string>());

        using var unterminated = Reader("a\nb", ImageContentMode.Lines);
        Assert.Equal(new[] { "a", "b" }, unterminated.Read(-1).Cast<string>());
        using var utf16 = Reader("größe\nzwei", ImageContentMode.Lines, Encoding.Unicode);
        Assert.Equal(new[] { "größe", "zwei" }, utf16.Read(0).Cast<string>());
    }

    [Fact]
    public void ContentReader_Raw_GivesTheWholeTextOnce_AndNothingForAnEmptyFile()
    {
        using var reader = Reader("one\r\ntwo\n", ImageContentMode.Raw);
        Assert.Equal(new[] { "one\r\ntwo\n" }, reader.Read(1).Cast<string>());
        Assert.Empty(reader.Read(1));
        using var empty = Reader("", ImageContentMode.Raw);
        Assert.Empty(empty.Read(1));
    }

    [Fact]
    public void ContentReader_Bytes_GivesTheBytesInBlocks()
    {
        var data = Enumerable.Range(0, 150_000).Select(i => (byte)(i * 7)).ToArray();
        using var reader = new ImageContentReader(new MemoryStream(data), ImageContentMode.Bytes);
        var first = reader.Read(3);
        Assert.Equal(new object[] { (byte)0, (byte)7, (byte)14 }, first.Cast<object>());
        var rest = reader.Read(0).Cast<byte>().ToArray();
        Assert.Equal(data[3..], rest);
        Assert.Empty(reader.Read(0));
    }

    [Fact]
    public void ContentReader_OverAMountedFile_ReadsItsLines()
    {
        using var view = View();
        using var reader = new ImageContentReader(view.OpenContent("docs/a.txt"), ImageContentMode.Lines);
        Assert.Equal(new[] { "alpha", "beta", "last line without newline" }, reader.Read(0).Cast<string>());
    }

    // ---------------------------------------------------------------- ImageIdentity

    [Fact]
    public void Identity_NamesImagesAndSnapshotsOfEveryImageObject()
    {
        using var browser = new ImageManager().OpenBrowser(_image, null);
        var info = browser.Describe();
        var snapshot = browser.Snapshots[0];
        var entry = browser.GetItem(_second, "notes.txt")!;
        var drive = new BackupImageDrive { Name = "bk", Image = _image, SnapshotId = _first, Root = "r" };
        foreach (object value in new object[] { info, snapshot, entry, drive, new FileInfo(_image) })
            Assert.Equal(_image, ImageIdentity.Image(value));
        Assert.Equal(_first, ImageIdentity.Snapshot(snapshot));
        Assert.Equal(_second, ImageIdentity.Snapshot(entry));
        Assert.Equal(_first, ImageIdentity.Snapshot(drive));
        Assert.Equal("latest", ImageIdentity.Snapshot("latest"));
        Assert.Equal(42, ImageIdentity.Image(42));
        var everySnapshot = drive with { SnapshotId = null };
        Assert.Same(everySnapshot, ImageIdentity.Snapshot(everySnapshot));
        Assert.Equal(entry.Path, entry.RelativePath);
    }
}
