namespace PSClone.Images;

/// <summary>A few large buffers (chunks, records, compression scratch, pack windows) shared by the
/// workers, so memory stays at a few buffers per core instead of growing with threads or garbage.</summary>
internal static class BufferPool
{
    private const int Kept = 16;
    private static readonly List<byte[]> Free = new();

    public static byte[] Rent(int minimum)
    {
        lock (Free)
        {
            int best = -1;
            for (int i = 0; i < Free.Count; i++)
            {
                if (Free[i].Length >= minimum && (best < 0 || Free[i].Length < Free[best].Length)) best = i;
            }
            if (best >= 0)
            {
                var b = Free[best];
                Free.RemoveAt(best);
                return b;
            }
        }
        return new byte[Math.Max(minimum, 64 << 10)];
    }

    /// <summary>Drops the kept buffers; the runtime reclaims them at its next collection.</summary>
    public static void Clear()
    {
        lock (Free) Free.Clear();
    }

    public static void Return(byte[] buffer)
    {
        lock (Free)
        {
            if (Free.Count < Kept)
            {
                Free.Add(buffer);
                return;
            }
            int smallest = 0;
            for (int i = 1; i < Free.Count; i++)
            {
                if (Free[i].Length < Free[smallest].Length) smallest = i;
            }
            if (Free[smallest].Length < buffer.Length) Free[smallest] = buffer;
        }
    }
}
