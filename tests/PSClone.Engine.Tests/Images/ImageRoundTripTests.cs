using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

public sealed class ImageRoundTripTests : IDisposable
{
    private readonly TempDir _dir = new("image");
    private string Src => _dir["src"];

    public void Dispose() => _dir.Dispose();

    public static TheoryData<ImageLayout, ImageEncryption> Variants()
    {
        var data = new TheoryData<ImageLayout, ImageEncryption>();
        foreach (var layout in new[] { ImageLayout.SingleFile, ImageLayout.Bundle })
        foreach (var enc in new[] { ImageEncryption.None, ImageEncryption.Aes128, ImageEncryption.Aes256 })
            data.Add(layout, enc);
        return data;
    }

    private string ImagePath(ImageLayout layout) => _dir[layout == ImageLayout.Bundle ? "img.psimgbundle" : "img.psimg"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Restore_EqualsTheSource_InContentAndAllMetadata(ImageLayout layout, ImageEncryption encryption)
    {
        var tree = TreeBuilder.Sample(Src);
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        tree.File("data/big.bin", big).Stamp("data");
        string image = ImagePath(layout);
        ImageKit.Create(image, layout, encryption);

        var events = new RecordingEvents();
        var result = ImageKit.Backup(Src, image, encryption, events);
        Assert.True(result.Status == CloneStatus.Success, string.Join("; ", result.ErrorMessages.Concat(events.Warnings)));
        Assert.NotNull(result.SnapshotId);

        var restore = ImageKit.Restore(image, _dir["out"], encryption: encryption);
        Assert.Equal(CloneStatus.Success, restore.Status);
        Assert.Equal("", TreeState.Diff(TreeState.Read(Src), TreeState.Read(_dir["out"])));
        var restored = TreeState.Read(_dir["out"]);
        Assert.True(restored.Items["sparse.bin"].Sparse, "the sparse file is restored sparse");
        Assert.Equal(restored.Items["a.txt"].LinkGroup, restored.Items["docs/a-hardlink"].LinkGroup);
        Assert.NotEqual(0, restored.Items["a.txt"].LinkGroup);
    }
}
