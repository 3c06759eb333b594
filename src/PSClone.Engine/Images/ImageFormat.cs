using System.Buffers.Binary;

namespace PSClone.Images;

/// <summary>Magic numbers, versions and sizes of docs/image-format.md.</summary>
internal static class ImageFormat
{
    /// <summary>The head's version for new images. Major 2 added record codec 2 (zstd); images of
    /// major 1 (no codec 2 anywhere) are still read and written, and keep their major.</summary>
    public const ushort Major = 2;
    public const ushort Minor = 0;
    public const ushort OldestMajor = 1;
    public static string Version => $"{Major}.{Minor}";

    /// <summary>The pack header's version (format §8): the pack layout, unchanged since 1.0.</summary>
    public const ushort PackMajor = 1;
    public const ushort PackMinor = 0;

    public static bool KnowsMajor(int major) => major is >= OldestMajor and <= Major;

    /// <summary>The newest record codec (2, zstd, which came with major 2); readers refuse higher ones.</summary>
    public const byte NewestCodec = 2;

    /// <summary>The highest record codec an image of this major may hold.</summary>
    public static byte HighestCodec(int major) => major >= 2 ? NewestCodec : (byte)1;

    public static ReadOnlySpan<byte> HeadMagic => new byte[] { 0x89, 0x50, 0x53, 0x49, 0x4D, 0x47, 0x0D, 0x0A };
    public static ReadOnlySpan<byte> PackMagic => new byte[] { 0x50, 0x53, 0x50, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A };

    public const int HeadSize = 4096;
    public const int HeadsSize = 2 * HeadSize;
    public const int PackHeaderSize = 32;
    public const int MaxKeySlots = 16;

    /// <summary>Readers refuse records claiming more plaintext than this (a damaged length must not allocate gigabytes).</summary>
    public const int MaxRawLength = 256 << 20;

    public const int IndexEntriesPerBlob = 65536;
    public const int InlineExtentsMax = 256;
    public const int ContentListExtents = 4096;

    public const string BundleHeadFile = "psimg";
    public const string BundleExtension = ".psimgbundle";
    public const string SingleFileExtension = ".psimg";
}

internal enum BlobKind : byte
{
    Data = 1,
    Tree = 2,
    ContentList = 3,
    Index = 4,
    Manifest = 5,
}

/// <summary>A 32-byte chunk id held as four words, so the index is an array of structs.</summary>
internal readonly struct ChunkId : IEquatable<ChunkId>
{
    public readonly ulong A, B, C, D;

    public ChunkId(ReadOnlySpan<byte> bytes)
    {
        A = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        B = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        C = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        D = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    public const int Size = 32;

    public bool IsZero => (A | B | C | D) == 0;

    public void WriteTo(Span<byte> into)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(into, A);
        BinaryPrimitives.WriteUInt64LittleEndian(into[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(into[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(into[24..], D);
    }

    public byte[] ToArray()
    {
        var b = new byte[Size];
        WriteTo(b);
        return b;
    }

    /// <summary>Bytewise order (the order of index blobs).</summary>
    public static int CompareBytes(in ChunkId x, in ChunkId y)
    {
        int c = BinaryPrimitives.ReverseEndianness(x.A).CompareTo(BinaryPrimitives.ReverseEndianness(y.A));
        if (c != 0) return c;
        c = BinaryPrimitives.ReverseEndianness(x.B).CompareTo(BinaryPrimitives.ReverseEndianness(y.B));
        if (c != 0) return c;
        c = BinaryPrimitives.ReverseEndianness(x.C).CompareTo(BinaryPrimitives.ReverseEndianness(y.C));
        return c != 0 ? c : BinaryPrimitives.ReverseEndianness(x.D).CompareTo(BinaryPrimitives.ReverseEndianness(y.D));
    }

    public bool Equals(ChunkId other) => A == other.A && B == other.B && C == other.C && D == other.D;
    public override bool Equals(object? obj) => obj is ChunkId other && Equals(other);
    public override int GetHashCode() => (int)A ^ (int)(A >> 32);
    public static bool operator ==(ChunkId x, ChunkId y) => x.Equals(y);
    public static bool operator !=(ChunkId x, ChunkId y) => !x.Equals(y);

    public override string ToString() => Convert.ToHexString(ToArray()).ToLowerInvariant();
}

/// <summary>Stored bytes do not follow the format: a damaged or foreign object. The message says what was wrong.</summary>
internal sealed class ImageFormatException(string message) : Exception(message);

/// <summary>The stable errors of backup images (FullyQualifiedErrorId in PowerShell, exit 2 in the CLI).</summary>
internal static class ImageErrors
{
    public static PSCloneException NotFound(string path) => new("ImageNotFound", FailureKind.ObjectNotFound,
        $"There is no backup image at '{path}'. Check the path; create an image with 'psclone image new' (New-BackupImage).", path);

    public static PSCloneException NotAnImage(string path, string why) => new("NotAnImage", FailureKind.InvalidData,
        $"'{path}' is not a PSClone backup image ({why}). Check the path.", path);

    public static PSCloneException Damaged(string path, string what, Exception? inner = null) => new("ImageDamaged", FailureKind.InvalidData,
        $"The backup image '{path}' is damaged: {what}. Run 'psclone image verify {path} --read-data' to see what is affected.", path, inner);

    public static PSCloneException VersionTooNew(string path, int major, int minor, bool writing) => new("ImageVersionTooNew", FailureKind.InvalidData,
        $"The backup image '{path}' has format version {major}.{minor}, newer than this PSClone {(writing ? "can write to" : "can read")} " +
        $"({ImageFormat.Version}). Update PSClone to use it.", path);

    public static PSCloneException PassphraseRequired(string path) => new("PassphraseRequired", FailureKind.InvalidArgument,
        $"The backup image '{path}' is encrypted and needs its passphrase. Set PSCLONE_PASSPHRASE, or run in a terminal to be asked for it.", path);

    public static PSCloneException WrongPassphrase(string path) => new("WrongPassphrase", FailureKind.SecurityError,
        $"The passphrase does not open the backup image '{path}'. Check it and try again.", path);

    public static PSCloneException Sealed(string path) => new("ImageSealed", FailureKind.InvalidOperation,
        $"The backup image '{path}' is sealed (a read-only compressed copy) and cannot be changed. Back up into a writable image instead.", path);

    public static PSCloneException Busy(string path, Exception inner) => new("ImageBusy", FailureKind.ResourceBusy,
        $"The backup image '{path}' is in use by another PSClone run. Wait for it to finish and try again.", path, inner);

    public static PSCloneException Exists(string path) => new("ImageExists", FailureKind.ResourceExists,
        $"'{path}' already exists. Choose a new path for the image, or remove the old one first.", path);

    public static PSCloneException Full(string path, long capacity, long size, long needed) => new("ImageFull", FailureKind.QuotaExceeded,
        $"The backup image '{path}' is full: it holds {ByteSize.Format(size)} of its {ByteSize.Format(capacity)} capacity and " +
        $"needs at least {ByteSize.Format(needed)} more. Nothing was added. Raise the capacity ('psclone image resize {path} --capacity SIZE') " +
        "or remove old snapshots ('psclone image forget').", path);

    public static PSCloneException DiskFull(string path, Exception inner) => new("ImageDiskFull", FailureKind.QuotaExceeded,
        $"The disk holding the backup image '{path}' is full ({inner.Message}). Nothing was added; free some space and run again.", path, inner);

    public static PSCloneException WriteFailed(string path, Exception inner) => new("ImageWriteFailed", FailureKind.WriteError,
        $"Writing to the backup image '{path}' failed: {inner.Message}. Nothing was added; the image keeps its last committed state.", path, inner);

    public static PSCloneException SnapshotNotFound(string path, string id) => new("SnapshotNotFound", FailureKind.ObjectNotFound,
        $"The backup image '{path}' has no snapshot '{id}'. List them with 'psclone image snapshots {path}'.", id);
}
