using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace PSClone.Images;

/// <summary>How new records are compressed (format §7): codec 2, zstd at level Quality; codec 1,
/// Brotli with a quality (at least 2 for records under 64 KiB) and window; or 0 (stored). Records
/// under 64 bytes are always stored. With the system's libzstd, zstd 1 compresses the benchmark's
/// small files 2.4 times as fast as Brotli 2, to within 0.3% of its size, and large binary-like
/// chunks 7% smaller than Brotli 1.</summary>
internal readonly record struct CompressionSettings(byte Codec, int Quality, int Window)
{
    public static readonly CompressionSettings Backup = new(2, 1, 20);
    public static readonly CompressionSettings Archive = new(1, 4, 24);

    /// <summary>Trees, content lists and index blobs of every image: Brotli, as in format 1, so an
    /// image of format 1 never gets a record of codec 2.</summary>
    public static readonly CompressionSettings Metadata = new(1, 1, 20);

    /// <summary>Records shorter than this are stored as they are.</summary>
    public const int TinyRecord = 64;

    public const int SmallRecord = 64 << 10;

    /// <summary>The Brotli quality of a record of codec 1.</summary>
    public int QualityFor(int length) => length >= SmallRecord ? Quality : Math.Max(Quality, 2);
}

/// <summary>The clear header of a blob record (format §7).</summary>
internal readonly record struct RecordHeader(BlobKind Kind, byte Codec, int StoredLength, int RawLength, ChunkId Id)
{
    public int RecordLength => BlobCodec.Overhead + StoredLength;
}

/// <summary>Blob records: compress, encrypt (or checksum), and the reverse with every check of
/// format §7. Scratch buffers are per thread, so many workers encode at once.</summary>
internal static class BlobCodec
{
    public const int HeaderSize = 56;
    public const int TagSize = 16;
    public const int Overhead = HeaderSize + TagSize;

    [ThreadStatic] private static IncrementalHash? t_sha;
    private static IncrementalHash Sha => t_sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public static int MaxRecordLength(int rawLength) => Overhead + rawLength;

    /// <summary>Parses and checks the clear header (rule 1 of format §7).</summary>
    public static RecordHeader ReadHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize || header[0] != 0x50 || header[1] != 0x42) throw new ImageFormatException("a record has no record magic");
        byte kind = header[2], codec = header[3];
        if (kind is < 1 or > 5) throw new ImageFormatException($"a record has an unknown kind ({kind})");
        if (codec > ImageFormat.NewestCodec) throw new ImageFormatException($"a record has an unknown codec ({codec})");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        uint raw = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (raw > ImageFormat.MaxRawLength) throw new ImageFormatException("a record claims an impossible length");
        if (codec == 0 ? stored != raw : stored >= raw) throw new ImageFormatException("a record's lengths do not match its codec");
        return new RecordHeader((BlobKind)kind, codec, (int)stored, (int)raw, new ChunkId(header.Slice(12, 32)));
    }

    /// <summary>Writes the record of <paramref name="plaintext"/> into <paramref name="record"/>
    /// (at least <see cref="MaxRecordLength"/> bytes) and returns its length. Brotli writes straight
    /// into the record's payload, which is then encrypted in place: no scratch buffer.</summary>
    public static int Encode(ImageKeys keys, BlobKind kind, in ChunkId id, ReadOnlySpan<byte> plaintext, CompressionSettings compression, Span<byte> record)
    {
        int raw = plaintext.Length;
        var payload = record[HeaderSize..];
        int stored = raw;
        byte codec = 0;
        // Stored compressed only when that saves at least 1/32 (format §7): a payload that does not
        // fit below that bound is not worth it, and the compressor says so by failing.
        var bound = payload[..Math.Max(0, raw - raw / 32 - 1)];
        if (raw >= CompressionSettings.TinyRecord && Compress(plaintext, bound, compression, out int written))
        {
            stored = written;
            codec = compression.Codec;
        }
        if (codec == 0)
        {
            plaintext.CopyTo(payload);
        }
        WriteHeader(kind, id, raw, stored, codec, record);
        var tag = record.Slice(HeaderSize + stored, TagSize);
        var nonce = record.Slice(44, 12);
        if (keys.Encrypted)
        {
            RandomNumberGenerator.Fill(nonce);
            Span<byte> aad = stackalloc byte[44 + 16];
            record[..44].CopyTo(aad);
            keys.ImageId.CopyTo(aad[44..]);
            keys.Encrypt(nonce, payload[..stored], payload[..stored], tag, aad);
        }
        else
        {
            nonce.Clear();
            PlainTag(keys, record[..(HeaderSize + stored)], tag);
        }
        return Overhead + stored;
    }

    private static bool Compress(ReadOnlySpan<byte> plaintext, Span<byte> bound, CompressionSettings compression, out int written)
    {
        written = 0;
        return compression.Codec switch
        {
            2 => Zstd.Default.TryCompress(plaintext, bound, compression.Quality, out written),
            1 => BrotliEncoder.TryCompress(plaintext, bound, out written, compression.QualityFor(plaintext.Length), compression.Window),
            _ => false,
        };
    }

    private static void WriteHeader(BlobKind kind, in ChunkId id, int rawLength, int storedLength, byte codec, Span<byte> record)
    {
        record[0] = 0x50;
        record[1] = 0x42;
        record[2] = (byte)kind;
        record[3] = codec;
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)storedLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)rawLength);
        id.WriteTo(record[12..]);
    }

    private static void PlainTag(ImageKeys keys, ReadOnlySpan<byte> headerAndPayload, Span<byte> tag)
    {
        var sha = Sha;
        sha.AppendData(keys.ImageId);
        sha.AppendData(headerAndPayload);
        Span<byte> hash = stackalloc byte[32];
        sha.GetHashAndReset(hash);
        hash[..TagSize].CopyTo(tag);
    }

    /// <summary>Checks and decodes a whole record into a new array of its raw length.</summary>
    public static byte[] Decode(ImageKeys keys, ReadOnlySpan<byte> record, BlobKind kind, in ChunkId id, bool checkId)
    {
        var header = ReadHeader(record);
        if (record.Length != header.RecordLength) throw new ImageFormatException("a record's length is wrong");
        var plaintext = new byte[header.RawLength];
        DecodeInto(keys, record, header, kind, id, checkId, plaintext);
        return plaintext;
    }

    /// <summary>Checks and decodes a record into <paramref name="output"/> (its raw length). Every
    /// failure is an <see cref="ImageFormatException"/> saying what is wrong.</summary>
    public static void DecodeInto(ImageKeys keys, ReadOnlySpan<byte> record, RecordHeader header, BlobKind kind, in ChunkId id, bool checkId, Span<byte> output)
    {
        if (header.Kind != kind) throw new ImageFormatException($"a record has kind {header.Kind} where {kind} was expected");
        if (header.Id != id) throw new ImageFormatException("a record has another id than the one looked for");
        if (record.Length != header.RecordLength) throw new ImageFormatException("a record's length is wrong");
        var payload = record.Slice(HeaderSize, header.StoredLength);
        var tag = record.Slice(HeaderSize + header.StoredLength, TagSize);
        var scratch = header.Codec == 0 ? null : BufferPool.Shared.Rent(header.StoredLength);
        try
        {
            DecodeInto(keys, record, header, output, payload, tag, scratch);
        }
        finally
        {
            if (scratch is not null) BufferPool.Shared.Return(scratch);
        }
        if (checkId && keys.ComputeId(output[..header.RawLength]) != id)
            throw new ImageFormatException("a record's content does not match its id");
    }

    private static void DecodeInto(ImageKeys keys, ReadOnlySpan<byte> record, RecordHeader header, Span<byte> output,
        ReadOnlySpan<byte> payload, ReadOnlySpan<byte> tag, NativeBuffer? scratch)
    {
        Span<byte> encoded = scratch is null ? output[..header.RawLength] : scratch.AsSpan(0, header.StoredLength);
        if (keys.Encrypted)
        {
            Span<byte> aad = stackalloc byte[44 + 16];
            record[..44].CopyTo(aad);
            keys.ImageId.CopyTo(aad[44..]);
            if (!keys.TryDecrypt(record.Slice(44, 12), payload, tag, encoded, aad))
                throw new ImageFormatException("a record fails its authentication tag");
        }
        else
        {
            Span<byte> expected = stackalloc byte[TagSize];
            PlainTag(keys, record[..(HeaderSize + header.StoredLength)], expected);
            if (!expected.SequenceEqual(tag)) throw new ImageFormatException("a record fails its checksum");
            payload.CopyTo(encoded);
        }
        if (header.Codec != 0 && !Decompress(header.Codec, encoded, output[..header.RawLength]))
            throw new ImageFormatException("a record does not decompress to its length");
    }

    /// <summary>Decodes a payload of codec 1 or 2 into exactly <paramref name="output"/>; false for anything else.</summary>
    private static bool Decompress(byte codec, ReadOnlySpan<byte> payload, Span<byte> output)
    {
        int written = -1;
        bool ok = codec switch
        {
            2 => Zstd.Default.TryDecompress(payload, output, out written),
            1 => BrotliDecoder.TryDecompress(payload, output, out written),
            _ => false,
        };
        return ok && written == output.Length;
    }
}
