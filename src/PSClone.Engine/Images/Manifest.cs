namespace PSClone.Images;

/// <summary>The configuration part of the manifest (format §9).</summary>
internal sealed record ImageConfig
{
    public required ImageLayout Layout { get; init; }
    public required ImageEncryption Encryption { get; init; }
    public ChunkerParameters Chunker { get; init; } = ChunkerParameters.Default;
    public int BlockSize { get; init; } = 1 << 20;
    public CompressionSettings Compression { get; init; } = CompressionSettings.Backup;
    public int PackTargetSize { get; init; } = 32 << 20;
    public long Capacity { get; init; }
    public bool Sealed { get; init; }
}

/// <summary>One pack in the manifest's pack table. Locations are file offsets in a SingleFile image, 0 in a bundle.</summary>
internal sealed record PackInfo(uint Number, bool IsMetadata, long Length, long Location, long MirrorLocation);

/// <summary>A record located directly (index blobs, the manifest): pack, offset, record length, id.</summary>
internal readonly record struct BlobRef(uint Pack, uint Offset, uint Length, ChunkId Id);

/// <summary>The state of an image at one commit: configuration, packs, index blobs, snapshots.</summary>
internal sealed class Manifest
{
    public const byte Version = 1;

    public required byte[] ImageId { get; init; }
    public ulong Generation { get; set; }
    public long CommitTimeNs { get; set; }
    public required ImageConfig Config { get; set; }
    public uint NextPackNumber { get; set; }
    public List<PackInfo> Packs { get; set; } = new();
    public List<BlobRef> IndexBlobs { get; set; } = new();
    public List<SnapshotRecord> Snapshots { get; set; } = new();

    /// <summary>Bytes counted against the capacity: the heads and every pack (mirrors included).</summary>
    public long Size => ImageFormat.HeadsSize + Packs.Sum(p => p.IsMetadata ? 2 * p.Length : p.Length);

    public Manifest CloneForNext() => new()
    {
        ImageId = ImageId,
        Generation = Generation,
        CommitTimeNs = CommitTimeNs,
        Config = Config,
        NextPackNumber = NextPackNumber,
        Packs = new List<PackInfo>(Packs),
        IndexBlobs = new List<BlobRef>(IndexBlobs),
        Snapshots = new List<SnapshotRecord>(Snapshots),
    };

    public byte[] Encode()
    {
        var w = new ByteWriter(4096);
        w.U8(Version).Raw(ImageId).U64(Generation).I64(CommitTimeNs);
        var c = Config;
        w.U8((byte)(c.Layout == ImageLayout.SingleFile ? 1 : 2)).U8(EncryptionByte(c.Encryption));
        w.U32((uint)c.Chunker.Min).U32((uint)c.Chunker.Average).U32((uint)c.Chunker.Max).U8((byte)c.Chunker.Normalization);
        w.U32((uint)c.BlockSize);
        w.U8(c.Compression.Codec).U8((byte)c.Compression.Quality).U8((byte)c.Compression.Window);
        w.U32((uint)c.PackTargetSize).I64(c.Capacity).U8(c.Sealed ? (byte)1 : (byte)0);
        w.U32(NextPackNumber);
        w.Varint((ulong)Packs.Count);
        foreach (var p in Packs.OrderBy(p => p.Number))
            w.U32(p.Number).U8(p.IsMetadata ? (byte)1 : (byte)0).U64((ulong)p.Length).U64((ulong)p.Location).U64((ulong)p.MirrorLocation);
        w.Varint((ulong)IndexBlobs.Count);
        foreach (var b in IndexBlobs) w.U32(b.Pack).U32(b.Offset).U32(b.Length).Id(b.Id);
        w.Varint((ulong)Snapshots.Count);
        var s = new ByteWriter(512);
        foreach (var snap in Snapshots)
        {
            s.Clear();
            snap.Encode(s);
            w.Bytes(s.Written);
        }
        return w.ToArray();
    }

    public static byte EncryptionByte(ImageEncryption e) => e switch
    {
        ImageEncryption.None => 0,
        ImageEncryption.Aes128 => 1,
        _ => 2,
    };

    public static ImageEncryption EncryptionFrom(byte b) => b switch
    {
        0 => ImageEncryption.None,
        1 => ImageEncryption.Aes128,
        2 => ImageEncryption.Aes256,
        _ => throw new ImageFormatException($"unknown encryption {b}"),
    };

    public static ImageLayout LayoutFrom(byte b) => b switch
    {
        1 => ImageLayout.SingleFile,
        2 => ImageLayout.Bundle,
        _ => throw new ImageFormatException($"unknown layout {b}"),
    };

    public static Manifest Decode(ReadOnlySpan<byte> data)
    {
        var r = new ByteReader(data);
        if (r.U8() != Version) throw new ImageFormatException("the manifest has an unknown version");
        var imageId = r.Raw(16).ToArray();
        ulong generation = r.U64();
        long time = r.I64();
        var layout = LayoutFrom(r.U8());
        var encryption = EncryptionFrom(r.U8());
        var chunker = new ChunkerParameters((int)r.U32(), (int)r.U32(), (int)r.U32(), r.U8());
        try { chunker.Validate(); }
        catch (ArgumentException ex) { throw new ImageFormatException("the chunker parameters are invalid: " + ex.Message); }
        uint blockSize = r.U32();
        if (blockSize is < 4096 or > 64u << 20) throw new ImageFormatException("the block size is invalid");
        var compression = new CompressionSettings(r.U8(), r.U8(), r.U8());
        if (compression.Codec > ImageFormat.NewestCodec || compression.Quality > (compression.Codec == 2 ? 19 : 11) || compression.Window is < 10 or > 24)
            throw new ImageFormatException("the compression settings are invalid");
        uint packTarget = r.U32();
        if (packTarget is < 4096 or > 1u << 30) throw new ImageFormatException("the pack target size is invalid");
        long capacity = r.I64();
        byte sealedByte = r.U8();
        if (capacity < 0 || sealedByte > 1) throw new ImageFormatException("the capacity or sealed flag is invalid");
        var config = new ImageConfig
        {
            Layout = layout,
            Encryption = encryption,
            Chunker = chunker,
            BlockSize = (int)blockSize,
            Compression = compression,
            PackTargetSize = (int)packTarget,
            Capacity = capacity,
            Sealed = sealedByte == 1,
        };
        uint next = r.U32();
        int packCount = r.Count(int.MaxValue, 29);
        var packs = new List<PackInfo>(packCount);
        uint previous = 0;
        for (int i = 0; i < packCount; i++)
        {
            uint number = r.U32();
            byte flags = r.U8();
            ulong length = r.U64(), location = r.U64(), mirror = r.U64();
            if ((i > 0 && number <= previous) || number >= next) throw new ImageFormatException("the pack table is out of order");
            if (flags > 1 || length < ImageFormat.PackHeaderSize || length > uint.MaxValue || location > long.MaxValue / 2 || mirror > long.MaxValue / 2)
                throw new ImageFormatException("a pack table entry is invalid");
            previous = number;
            packs.Add(new PackInfo(number, flags == 1, (long)length, (long)location, (long)mirror));
        }
        int indexCount = r.Count(int.MaxValue, 44);
        var index = new List<BlobRef>(indexCount);
        for (int i = 0; i < indexCount; i++) index.Add(new BlobRef(r.U32(), r.U32(), r.U32(), r.Id()));
        int snapshotCount = r.Count(int.MaxValue);
        var snapshots = new List<SnapshotRecord>(snapshotCount);
        for (int i = 0; i < snapshotCount; i++)
        {
            var bytes = r.Bytes();
            var sr = new ByteReader(bytes);
            snapshots.Add(SnapshotRecord.Decode(ref sr));
            sr.End();
        }
        r.End();
        return new Manifest
        {
            ImageId = imageId,
            Generation = generation,
            CommitTimeNs = time,
            Config = config,
            NextPackNumber = next,
            Packs = packs,
            IndexBlobs = index,
            Snapshots = snapshots,
        };
    }
}

/// <summary>One snapshot in the manifest (format §10.1).</summary>
internal sealed class SnapshotRecord
{
    public required ulong Id { get; init; }
    public required long TimeNs { get; init; }
    public short OffsetMinutes { get; init; }
    public required SnapshotKind Kind { get; init; }
    public required string Source { get; init; }
    public string Host { get; init; } = "";
    public string User { get; init; } = "";
    public ulong Parent { get; init; }
    public required TreeNode Root { get; init; }
    public long Files { get; init; }
    public long Folders { get; init; }
    public long Links { get; init; }
    public long Bytes { get; init; }
    public long AddedBytes { get; init; }
    public long AddedChunks { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();

    public string IdText => Id.ToString("x16");

    public DateTimeOffset Time
    {
        get
        {
            var utc = DateTimeOffset.UnixEpoch.AddTicks(TimeNs / 100);
            var offset = TimeSpan.FromMinutes(OffsetMinutes);
            return offset.Duration() <= TimeSpan.FromHours(14) ? utc.ToOffset(offset) : utc;
        }
    }

    public void Encode(ByteWriter w)
    {
        w.U64(Id).I64(TimeNs).I16(OffsetMinutes).U8(Kind == SnapshotKind.Files ? (byte)1 : (byte)2);
        w.String(Source).String(Host).String(User).U64(Parent);
        TreeCodec.WriteEntry(w, Root);
        w.Varint((ulong)Files).Varint((ulong)Folders).Varint((ulong)Links).Varint((ulong)Bytes);
        w.Varint((ulong)AddedBytes).Varint((ulong)AddedChunks);
        w.Varint((ulong)Tags.Count);
        foreach (var t in Tags) w.String(t);
    }

    public static SnapshotRecord Decode(ref ByteReader r)
    {
        ulong id = r.U64();
        long time = r.I64();
        short offset = r.I16();
        byte kind = r.U8();
        if (id == 0 || kind is < 1 or > 2) throw new ImageFormatException("a snapshot record is invalid");
        string source = r.String(), host = r.String(), user = r.String();
        ulong parent = r.U64();
        var root = TreeCodec.ReadEntry(ref r, isRoot: true);
        var snapshotKind = kind == 1 ? SnapshotKind.Files : SnapshotKind.Block;
        if ((snapshotKind == SnapshotKind.Files) != (root.Type == ItemType.Directory) || (snapshotKind == SnapshotKind.Block && root.Type != ItemType.File))
            throw new ImageFormatException("a snapshot's root does not match its kind");
        long files = r.VarLong(), folders = r.VarLong(), links = r.VarLong(), bytes = r.VarLong();
        long addedBytes = r.VarLong(), addedChunks = r.VarLong();
        int tagCount = r.Count(10_000);
        var tags = new List<string>(tagCount);
        for (int i = 0; i < tagCount; i++) tags.Add(r.String(4096));
        return new SnapshotRecord
        {
            Id = id,
            TimeNs = time,
            OffsetMinutes = offset,
            Kind = snapshotKind,
            Source = source,
            Host = host,
            User = user,
            Parent = parent,
            Root = root,
            Files = files,
            Folders = folders,
            Links = links,
            Bytes = bytes,
            AddedBytes = addedBytes,
            AddedChunks = addedChunks,
            Tags = tags,
        };
    }

    public BackupSnapshot ToPublic(string image) => new()
    {
        Image = image,
        Id = IdText,
        Time = Time,
        Kind = Kind,
        Source = Source,
        Host = Host,
        User = User,
        ParentId = Parent == 0 ? null : Parent.ToString("x16"),
        Files = Files,
        Folders = Folders,
        Links = Links,
        Bytes = Bytes,
        AddedBytes = AddedBytes,
        AddedChunks = AddedChunks,
        Tags = Tags,
    };
}
