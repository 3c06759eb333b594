using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using PSClone.Images;
using PSClone.Platform;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>Damaged and random bytes fed to every parser: each case ends in the format's own error
/// (or a valid result), never in another exception, a hang or a huge allocation.</summary>
public sealed class ImageFuzzTests : IDisposable
{
    private readonly TempDir _dir = new("fuzz");
    private readonly Random _random = new(1234);

    public void Dispose() => _dir.Dispose();

    /// <summary>Runs a case with a time limit; only <typeparamref name="TExpected"/> may escape.</summary>
    private static void Case<TExpected>(string what, Action action) where TExpected : Exception
    {
        // A thread of its own: a busy thread pool (the rest of the suite runs alongside) must not
        // look like a hang. A real hang still fails, only later.
        var task = Task.Factory.StartNew(() =>
        {
            try
            {
                action();
            }
            catch (TExpected)
            {
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(TimeSpan.FromSeconds(60))) Assert.Fail($"{what}: no answer within 60 s");
        if (task.Exception is { } ex) Assert.Fail($"{what}: {ex.InnerException}");
    }

    /// <summary>Flips, overwrites, inserts, deletes or truncates at random.</summary>
    private byte[] Mutate(byte[] valid)
    {
        var b = valid.ToList();
        int edits = 1 + _random.Next(4);
        for (int i = 0; i < edits && b.Count > 0; i++)
        {
            int at = _random.Next(b.Count);
            switch (_random.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << _random.Next(8)); break;
                case 1: b[at] = (byte)_random.Next(256); break;
                case 2: b.Insert(at, (byte)_random.Next(256)); break;
                case 3: b.RemoveAt(at); break;
                case 4: b.RemoveRange(at, b.Count - at); break;
                default: b[at] = 0xFF; if (at + 1 < b.Count) b[at + 1] = 0xFF; break; // huge varints
            }
        }
        return b.ToArray();
    }

    private byte[] RandomBytes(int max)
    {
        var b = new byte[_random.Next(max)];
        _random.NextBytes(b);
        return b;
    }

    private static TreeNode File(string name, long size, params Extent[] extents) => new()
    {
        Name = name, Type = ItemType.File, Mode = 0x1A4, Uid = 1000, Gid = 1000, MTimeNs = 1_700_000_000_123_456_789, Size = size,
        Content = new FileContent(extents),
        Xattrs = new XattrSet(new[] { new KeyValuePair<string, byte[]>("user.a", new byte[] { 1, 2, 3 }) }),
        HasLinkKey = true, LinkDevice = 5, LinkInode = 77,
    };

    private static ChunkId Id(int n) => new(SHA256.HashData(BitConverter.GetBytes(n)));

    [Fact]
    public void Trees_ContentLists_Snapshots_Manifests_Indexes()
    {
        var nodes = new List<TreeNode>
        {
            File("a", 30, new Extent(10, false, Id(1)), new Extent(20, true, default)),
            new() { Name = "dir", Type = ItemType.Directory, Mode = 0x1ED, Subtree = Id(2) },
            new() { Name = "link", Type = ItemType.SymbolicLink, LinkTarget = "../x" },
        };
        var tree = TreeCodec.EncodeTree(nodes, new ByteWriter());
        Assert.Equal(3, TreeCodec.DecodeTree(tree).Count);
        var list = TreeCodec.EncodeContentList(new[] { new Extent(5, false, Id(3)), new Extent(7, true, default) }, new ByteWriter());
        var snapshot = new SnapshotRecord
        {
            Id = 42, TimeNs = 1, Kind = SnapshotKind.Files, Source = "/src", Host = "h", User = "u",
            Root = new TreeNode { Name = "", Type = ItemType.Directory, Subtree = Id(4) }, Tags = new[] { "t" },
        };
        var manifest = new Manifest
        {
            ImageId = new byte[16], Generation = 3, Config = new ImageConfig { Layout = ImageLayout.Bundle, Encryption = ImageEncryption.None, Capacity = 1 << 30 },
            NextPackNumber = 9, Packs = { new PackInfo(1, false, 1000, 0, 0), new PackInfo(4, true, 500, 0, 0) },
            IndexBlobs = { new BlobRef(4, 32, 200, Id(5)) }, Snapshots = { snapshot },
        };
        var encodedManifest = manifest.Encode();
        Assert.Equal(3ul, Manifest.Decode(encodedManifest).Generation);
        var packs = manifest.Packs.ToDictionary(p => p.Number);
        var index = BackupImage.EncodeIndex(new[]
        {
            new IndexEntry { Id = Id(6), Pack = 1, Offset = 32, Length = 100, RawLength = 90, Kind = BlobKind.Data },
            new IndexEntry { Id = Id(7), Pack = 4, Offset = 300, Length = 100, RawLength = 90, Kind = BlobKind.Tree, Codec = 1 },
        });
        BackupImage.DecodeIndex(index, new ChunkIndex(), packs);

        for (int i = 0; i < 3000; i++)
        {
            var t = Mutate(tree);
            Case<ImageFormatException>("tree", () => TreeCodec.DecodeTree(t));
            var l = Mutate(list);
            Case<ImageFormatException>("content list", () => TreeCodec.DecodeContentList(l, 12));
            var m = Mutate(encodedManifest);
            Case<ImageFormatException>("manifest", () => Manifest.Decode(m));
            var x = Mutate(index);
            Case<ImageFormatException>("index", () => BackupImage.DecodeIndex(x, new ChunkIndex(), packs));
            var r = RandomBytes(300);
            Case<ImageFormatException>("random tree", () => TreeCodec.DecodeTree(r));
            Case<ImageFormatException>("random manifest", () => Manifest.Decode(r));
            Case<ImageFormatException>("random index", () => BackupImage.DecodeIndex(r, new ChunkIndex(), packs));
        }
    }

    [Fact]
    public void Heads_KeySlots_AndPackHeaders()
    {
        using var pass = new Passphrase("fuzzing passphrase");
        var imageId = RandomNumberGenerator.GetBytes(16);
        var master = RandomNumberGenerator.GetBytes(32);
        var head = new ImageHead
        {
            Layout = ImageLayout.SingleFile, Encryption = ImageEncryption.Aes256, ImageId = imageId, Sequence = 7,
            Slots = new[] { KeySlot.Wrap(master, pass, 1000, imageId, ImageEncryption.Aes256) },
        }.Encode();
        Assert.NotNull(ImageHead.TryDecode(head));
        for (int i = 0; i < 2000; i++)
        {
            var h = Mutate(head);
            Case<ImageFormatException>("head", () => ImageHead.TryDecode(h));
            // A damaged head whose checksum is made right again must still be parsed safely.
            if (h.Length >= 4096)
            {
                SHA256.HashData(h.AsSpan(0, 4064), h.AsSpan(4064, 32));
                Case<ImageFormatException>("head with a valid checksum", () =>
                {
                    var parsed = ImageHead.TryDecode(h);
                    foreach (var slot in parsed?.Slots ?? Array.Empty<KeySlot>()) slot.TryUnwrap(pass, imageId, ImageEncryption.Aes256);
                });
            }
            var p = Mutate(PackHeader.Encode(3, imageId));
            if (p.Length >= 32) Case<ImageFormatException>("pack header", () => PackHeader.Check(p, 3, imageId));
        }
    }

    [Fact]
    public void Records_IncludingValidTagsOverGarbagePayloads()
    {
        var imageId = RandomNumberGenerator.GetBytes(16);
        var master = RandomNumberGenerator.GetBytes(32);
        // Listings go through Brotli (codec 1), data of 8 KB and 160 KB through zstd (codec 2).
        foreach (var (settings, repeat) in new[] { (CompressionSettings.Metadata, 400), (CompressionSettings.Backup, 400), (CompressionSettings.Backup, 8000) })
        foreach (var encryption in new[] { ImageEncryption.None, ImageEncryption.Aes128 })
        {
            using var keys = new ImageKeys(master, imageId, encryption);
            var plain = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, repeat).Select(i => $"compressible content {i % 97} ")));
            var id = keys.ComputeId(plain);
            var record = new byte[BlobCodec.MaxRecordLength(plain.Length)];
            int n = BlobCodec.Encode(keys, BlobKind.Data, id, plain, settings, record);
            Assert.Equal(settings.Codec, record[3]);
            Assert.Equal(plain, BlobCodec.Decode(keys, record.AsSpan(0, n), BlobKind.Data, id, true));
            var valid = record[..n];
            for (int i = 0; i < 2000; i++)
            {
                var r = Mutate(valid);
                Case<ImageFormatException>("record", () => BlobCodec.Decode(keys, r, BlobKind.Data, id, true));
                if (encryption == ImageEncryption.None && r.Length > BlobCodec.Overhead)
                {
                    // Garbage, and a damaged stream, under a correct checksum reach the decompressor
                    // and the id check.
                    var garbage = (byte[])valid.Clone();
                    if (i % 2 == 0) _random.NextBytes(garbage.AsSpan(BlobCodec.HeaderSize, garbage.Length - BlobCodec.Overhead));
                    else for (int k = 0; k < 1 + _random.Next(3); k++) garbage[BlobCodec.HeaderSize + _random.Next(garbage.Length - BlobCodec.Overhead)] ^= (byte)(1 << _random.Next(8));
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    sha.AppendData(imageId);
                    sha.AppendData(garbage.AsSpan(0, garbage.Length - BlobCodec.TagSize));
                    sha.GetHashAndReset().AsSpan(0, 16).CopyTo(garbage.AsSpan(garbage.Length - 16));
                    Case<ImageFormatException>("garbage payload", () => BlobCodec.Decode(keys, garbage, BlobKind.Data, id, true));
                }
                var random = RandomBytes(400);
                Case<ImageFormatException>("random record", () => BlobCodec.Decode(keys, random, BlobKind.Data, id, true));
            }
        }
    }

    [Fact]
    public void WholeImages_OfRandomAndDamagedBytes_AreRefusedWithAnErrorId()
    {
        string image = _dir["i.psimg"];
        ImageKit.Create(image);
        new TreeBuilder(_dir["src"]).File("a.txt", "alpha").File("b/c.txt", "gamma");
        ImageKit.Backup(_dir["src"], image);
        var valid = System.IO.File.ReadAllBytes(image);
        string victim = _dir["v.psimg"];
        for (int i = 0; i < 150; i++)
        {
            byte[] bytes;
            switch (i % 3)
            {
                case 0:
                    bytes = Mutate(valid);
                    break;
                case 1:
                    bytes = RandomBytes(20_000);
                    if (bytes.Length >= 8) ImageFormat.HeadMagic.CopyTo(bytes);
                    break;
                default:
                    // Valid heads in front of random content: the manifest they point to is garbage.
                    bytes = valid.Take(8192).Concat(RandomBytes(valid.Length)).ToArray();
                    break;
            }
            System.IO.File.WriteAllBytes(victim, bytes);
            Case<PSCloneException>("image", () =>
            {
                using var img = BackupImage.Open(victim, null, writable: false);
                foreach (var s in img.Manifest.Snapshots) img.ReadTree(s.Root.Subtree);
            });
            Case<PSCloneException>("verify", () => new ImageManager().Verify(victim, true, null, NullEngineEvents.Instance, default));
        }
    }
}
