using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PSClone.Images;

/// <summary>Chunk size limits (bytes) and the normalization level of FastCDC (format §5).</summary>
internal sealed record ChunkerParameters(int Min, int Average, int Max, int Normalization = 2)
{
    public static readonly ChunkerParameters Default = new(256 << 10, 1 << 20, 4 << 20);

    /// <summary>min = avg/4 and max = avg*4, as the defaults.</summary>
    public static ChunkerParameters ForAverage(int average) => new(average / 4, average, average * 4);

    public void Validate()
    {
        if (!BitOperations.IsPow2(Average) || Average < 256 || Average > (16 << 20))
            throw new ArgumentException("The average chunk size must be a power of two from 256 bytes to 16 MiB.");
        if (Min < 64 || Min > Average || Max < Average || Max > (64 << 20))
            throw new ArgumentException("Chunk sizes must satisfy 64 <= min <= average <= max <= 64 MiB.");
        int bits = BitOperations.Log2((uint)Average);
        if (Normalization < 0 || Normalization > 4 || bits - Normalization < 1)
            throw new ArgumentException("The normalization level must be 0..4.");
    }
}

/// <summary>FastCDC with normalized chunking and a keyed gear table: content-defined cut points, so
/// an insertion moves only the chunks around it and the rest still deduplicates.</summary>
internal sealed class Chunker
{
    private readonly ulong[] _gear;
    private readonly int _min, _avg, _max;
    private readonly ulong _maskS, _maskL;

    public Chunker(ChunkerParameters parameters, ulong[] gear)
    {
        _gear = gear;
        _min = parameters.Min;
        _avg = parameters.Average;
        _max = parameters.Max;
        int bits = BitOperations.Log2((uint)_avg);
        _maskS = TopBits(bits + parameters.Normalization);
        _maskL = TopBits(bits - parameters.Normalization);
    }

    public int Max => _max;

    private static ulong TopBits(int n) => n >= 64 ? ulong.MaxValue : ((1UL << n) - 1) << (64 - n);

    /// <summary>The length of the next chunk of <paramref name="data"/>, which holds the rest of the
    /// run or at least <see cref="Max"/> bytes of it.</summary>
    public int FindCut(ReadOnlySpan<byte> data)
    {
        int len = data.Length;
        if (len <= _min) return len;
        int limit = Math.Min(len, _max);
        int normal = Math.Min(_avg, limit);
        ulong fp = 0;
        ref byte b = ref MemoryMarshal.GetReference(data);
        ref ulong g = ref MemoryMarshal.GetArrayDataReference(_gear);
        int i = _min;
        ulong mask = _maskS;
        for (; i < normal; i++)
        {
            fp = (fp << 1) + Unsafe.Add(ref g, Unsafe.Add(ref b, i));
            if ((fp & mask) == 0) return i + 1;
        }
        mask = _maskL;
        for (; i < limit; i++)
        {
            fp = (fp << 1) + Unsafe.Add(ref g, Unsafe.Add(ref b, i));
            if ((fp & mask) == 0) return i + 1;
        }
        return limit;
    }
}
