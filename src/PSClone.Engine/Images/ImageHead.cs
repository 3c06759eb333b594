using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PSClone.Images;

/// <summary>The image head (format §4): the commit point. Two copies live in the first 8 KiB of a
/// SingleFile image or in a bundle's "psimg" file.</summary>
internal sealed record ImageHead
{
    public required ImageLayout Layout { get; init; }
    public required ImageEncryption Encryption { get; init; }
    public ushort Major { get; init; } = ImageFormat.Major;
    public ushort Minor { get; init; } = ImageFormat.Minor;
    public bool Sealed { get; init; }
    public required byte[] ImageId { get; init; }
    public ulong Sequence { get; init; }
    public BlobRef Manifest { get; init; }
    public long ManifestLocation { get; init; }
    public long ManifestMirrorLocation { get; init; }
    public long CommittedEnd { get; init; }
    public byte[] Seal { get; init; } = new byte[32];
    public required IReadOnlyList<KeySlot> Slots { get; init; }

    public byte[] Encode()
    {
        if (Slots.Count is < 1 or > ImageFormat.MaxKeySlots) throw new InvalidOperationException("An image head holds 1 to 16 key slots.");
        var b = new byte[ImageFormat.HeadSize];
        var s = b.AsSpan();
        ImageFormat.HeadMagic.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], Major);
        BinaryPrimitives.WriteUInt16LittleEndian(s[10..], Minor);
        s[12] = (byte)(Layout == ImageLayout.SingleFile ? 1 : 2);
        s[13] = Images.Manifest.EncryptionByte(Encryption);
        BinaryPrimitives.WriteUInt16LittleEndian(s[14..], (ushort)(Sealed ? 1 : 0));
        ImageId.CopyTo(s[16..]);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], Manifest.Pack);
        BinaryPrimitives.WriteUInt32LittleEndian(s[44..], Manifest.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(s[48..], Manifest.Length);
        BinaryPrimitives.WriteInt64LittleEndian(s[56..], ManifestLocation);
        BinaryPrimitives.WriteInt64LittleEndian(s[64..], ManifestMirrorLocation);
        Manifest.Id.WriteTo(s[72..]);
        BinaryPrimitives.WriteInt64LittleEndian(s[104..], CommittedEnd);
        Seal.CopyTo(s[112..]);
        s[144] = (byte)Slots.Count;
        for (int i = 0; i < Slots.Count; i++) Slots[i].WriteTo(s.Slice(160 + i * KeySlot.Size, KeySlot.Size));
        SHA256.HashData(s[..4064], s[4064..]);
        return b;
    }

    /// <summary>True when the bytes start with the head magic (a PSClone image, valid or not).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(ImageFormat.HeadMagic);

    /// <summary>Decodes one copy. Returns null for a copy that fails its checksum (torn or damaged);
    /// throws <see cref="ImageFormatException"/> for a copy with a valid checksum but impossible fields.</summary>
    public static ImageHead? TryDecode(ReadOnlySpan<byte> b)
    {
        if (b.Length < ImageFormat.HeadSize || !HasMagic(b)) return null;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(b[..4064], hash);
        if (!hash.SequenceEqual(b.Slice(4064, 32))) return null;
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(b[8..]);
        ushort minor = BinaryPrimitives.ReadUInt16LittleEndian(b[10..]);
        if (!ImageFormat.KnowsMajor(major))
        {
            // Fields of another major version mean nothing here; the caller refuses by version.
            return new ImageHead
            {
                Layout = ImageLayout.SingleFile, Encryption = ImageEncryption.None, Major = major, Minor = minor,
                ImageId = b.Slice(16, 16).ToArray(), Slots = Array.Empty<KeySlot>(),
            };
        }
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(b[14..]);
        int slotCount = b[144];
        if (flags > 1 || BinaryPrimitives.ReadUInt32LittleEndian(b[52..]) != 0 || slotCount is < 1 or > ImageFormat.MaxKeySlots
            || b.Slice(145, 15).IndexOfAnyExcept((byte)0) >= 0 || b[(160 + slotCount * KeySlot.Size)..4064].IndexOfAnyExcept((byte)0) >= 0)
            throw new ImageFormatException("the image head has invalid fields");
        var slots = new List<KeySlot>(slotCount);
        for (int i = 0; i < slotCount; i++) slots.Add(KeySlot.Read(b.Slice(160 + i * KeySlot.Size, KeySlot.Size)));
        long location = BinaryPrimitives.ReadInt64LittleEndian(b[56..]);
        long mirror = BinaryPrimitives.ReadInt64LittleEndian(b[64..]);
        long end = BinaryPrimitives.ReadInt64LittleEndian(b[104..]);
        if (location < 0 || mirror < 0 || end < 0) throw new ImageFormatException("the image head has invalid locations");
        return new ImageHead
        {
            Major = major,
            Minor = minor,
            Layout = Images.Manifest.LayoutFrom(b[12]),
            Encryption = Images.Manifest.EncryptionFrom(b[13]),
            Sealed = (flags & 1) != 0,
            ImageId = b.Slice(16, 16).ToArray(),
            Sequence = BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
            Manifest = new BlobRef(BinaryPrimitives.ReadUInt32LittleEndian(b[40..]), BinaryPrimitives.ReadUInt32LittleEndian(b[44..]),
                BinaryPrimitives.ReadUInt32LittleEndian(b[48..]), new ChunkId(b.Slice(72, 32))),
            ManifestLocation = location,
            ManifestMirrorLocation = mirror,
            CommittedEnd = end,
            Seal = b.Slice(112, 32).ToArray(),
            Slots = slots,
        };
    }
}
