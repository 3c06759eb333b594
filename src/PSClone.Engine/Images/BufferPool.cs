namespace PSClone.Images;

/// <summary>The data buffers of backups, restores and verification (chunks, read windows, records,
/// decompression scratch), outside the managed heap (<see cref="NativeBuffer"/>): the largest returned,
/// up to 24 MiB, are kept for the next file, the rest are freed at once, so memory follows what is in
/// flight instead of growing with threads or garbage.</summary>
internal sealed class BufferPool(long keptBytes)
{
    public static readonly BufferPool Shared = new(KeptBytes);

    /// <summary>At most this many bytes are kept: a backup's two read windows (8 MiB each) and a few
    /// chunks, or the chunk, record and scratch buffers of every restore worker. Medium dataset on my
    /// loop mount: 16 MiB made the initial backup map and unmap its large chunks over and over
    /// (5.8-6.2 s instead of 5.4-5.5), 32 MiB kept 10 MB more through a restore than 24.</summary>
    public const long KeptBytes = 24 << 20;
    /// <summary>Kept buffers, smallest first.</summary>
    private readonly List<NativeBuffer> _free = new();
    private long _kept;

    /// <summary>The bytes kept for reuse.</summary>
    public long Kept
    {
        get
        {
            lock (_free) return _kept;
        }
    }

    /// <summary>A buffer of at least <paramref name="minimum"/> bytes (64 KiB or more): the smallest kept one that fits, or a new one.</summary>
    public NativeBuffer Rent(int minimum)
    {
        lock (_free)
        {
            int fits = _free.FindIndex(b => b.Length >= minimum);
            if (fits >= 0)
            {
                var b = _free[fits];
                _free.RemoveAt(fits);
                _kept -= b.Length;
                return b;
            }
        }
        return NativeBuffer.Allocate(Math.Max(minimum, 64 << 10));
    }

    /// <summary>Keeps the buffer (after any of its length already kept), then frees the smallest kept
    /// ones while more than the pool's limit is kept.</summary>
    public void Return(NativeBuffer buffer)
    {
        List<NativeBuffer>? drop = null;
        lock (_free)
        {
            int at = _free.FindIndex(b => b.Length > buffer.Length);
            _free.Insert(at < 0 ? _free.Count : at, buffer);
            _kept += buffer.Length;
            while (_kept > keptBytes)
            {
                (drop ??= new()).Add(_free[0]);
                _kept -= _free[0].Length;
                _free.RemoveAt(0);
            }
        }
        if (drop is not null) foreach (var b in drop) b.Free();
    }

    /// <summary>Frees every kept buffer.</summary>
    public void Clear()
    {
        lock (_free)
        {
            foreach (var b in _free) b.Free();
            _free.Clear();
            _kept = 0;
        }
    }
}
