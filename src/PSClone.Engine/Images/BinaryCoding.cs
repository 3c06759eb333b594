using System.Buffers.Binary;
using System.Text;

namespace PSClone.Images;

/// <summary>Builds the binary encodings of the format (little-endian, LEB128 varints) in a growable buffer.</summary>
internal sealed class ByteWriter
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    public int Length => _length;
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);
    public byte[] ToArray() => Written.ToArray();
    public void Clear() => _length = 0;

    private Span<byte> Take(int n)
    {
        if (_length + n > _buffer.Length)
        {
            var bigger = new byte[Math.Max(_buffer.Length * 2, _length + n)];
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }

    public ByteWriter U8(byte v) { Take(1)[0] = v; return this; }
    public ByteWriter U16(ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(Take(2), v); return this; }
    public ByteWriter I16(short v) { BinaryPrimitives.WriteInt16LittleEndian(Take(2), v); return this; }
    public ByteWriter U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v); return this; }
    public ByteWriter U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v); return this; }
    public ByteWriter I64(long v) { BinaryPrimitives.WriteInt64LittleEndian(Take(8), v); return this; }
    public ByteWriter Raw(ReadOnlySpan<byte> bytes) { bytes.CopyTo(Take(bytes.Length)); return this; }
    public ByteWriter Id(in ChunkId id) { id.WriteTo(Take(ChunkId.Size)); return this; }

    public ByteWriter Varint(ulong v)
    {
        while (v >= 0x80)
        {
            Take(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Take(1)[0] = (byte)v;
        return this;
    }

    public ByteWriter Zigzag(long v) => Varint((ulong)((v << 1) ^ (v >> 63)));

    public ByteWriter Bytes(ReadOnlySpan<byte> bytes) => Varint((ulong)bytes.Length).Raw(bytes);

    public ByteWriter String(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        Varint((ulong)n);
        Encoding.UTF8.GetBytes(s, Take(n));
        return this;
    }
}

/// <summary>Reads the binary encodings with a bounds check on every field: damaged or hostile bytes
/// end in an <see cref="ImageFormatException"/>, never in a crash, a hang or a huge allocation.</summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public ByteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public int Position => _pos;
    public int Remaining => _data.Length - _pos;
    public bool AtEnd => _pos == _data.Length;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos) throw new ImageFormatException("it ends early");
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public byte U8() => Take(1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
    public short I16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public ReadOnlySpan<byte> Raw(int n) => Take(n);
    public ChunkId Id() => new(Take(ChunkId.Size));

    public ulong Varint()
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = U8();
            if (shift == 63 && b > 1) throw new ImageFormatException("a number is too large");
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
        throw new ImageFormatException("a number is too long");
    }

    public long Zigzag()
    {
        ulong v = Varint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>A varint used as a count or length: at most <paramref name="max"/>, and (for counts of
    /// items of at least <paramref name="minItemBytes"/> bytes) no more than the bytes left can hold.</summary>
    public int Count(int max, int minItemBytes = 1)
    {
        ulong v = Varint();
        if (v > (ulong)max || v * (ulong)Math.Max(1, minItemBytes) > (ulong)Remaining)
            throw new ImageFormatException("a count or length is out of range");
        return (int)v;
    }

    public uint VarUInt(uint max = uint.MaxValue)
    {
        ulong v = Varint();
        if (v > max) throw new ImageFormatException("a value is out of range");
        return (uint)v;
    }

    public long VarLong()
    {
        ulong v = Varint();
        if (v > long.MaxValue) throw new ImageFormatException("a value is out of range");
        return (long)v;
    }

    public ReadOnlySpan<byte> Bytes(int max = int.MaxValue) => Take(Count(max));

    public string String(int max = 1 << 20)
    {
        var bytes = Take(Count(max));
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImageFormatException("a name is not valid UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public void End()
    {
        if (!AtEnd) throw new ImageFormatException("it has unexpected bytes at its end");
    }
}

/// <summary>Bytes appended into 1 MiB segments rented from the shared array pool: a metadata pack
/// of up to the pack size (32 MiB) is built without doubling one array, which leaves each smaller
/// copy behind as garbage. Dispose returns the segments.</summary>
internal sealed class SegmentedBytes : IDisposable
{
    private const int SegmentSize = 1 << 20;
    private readonly List<byte[]> _segments = new();
    private int _used = SegmentSize;

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_used == SegmentSize)
            {
                _segments.Add(System.Buffers.ArrayPool<byte>.Shared.Rent(SegmentSize));
                _used = 0;
            }
            int n = Math.Min(bytes.Length, SegmentSize - _used);
            bytes[..n].CopyTo(_segments[^1].AsSpan(_used));
            _used += n;
            Length += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>The bytes in order, for one gathered write.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Segments =>
        _segments.Select((s, i) => (ReadOnlyMemory<byte>)s.AsMemory(0, i == _segments.Count - 1 ? _used : SegmentSize)).ToList();

    public void Dispose()
    {
        foreach (var s in _segments) System.Buffers.ArrayPool<byte>.Shared.Return(s);
        _segments.Clear();
        _used = SegmentSize;
        Length = 0;
    }
}
