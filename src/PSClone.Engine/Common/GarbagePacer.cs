namespace PSClone;

/// <summary>Collects the youngest generation after every 8 MiB the process allocates. The runtime
/// sizes that generation from the processor's cache, which on a server can let a whole backup of
/// tens of thousands of small files run on two or three collections while its short-lived garbage
/// (file handles, entries, paths) piles up to the largest part of the process's memory. A young
/// collection with little surviving takes about a millisecond. Called per item by the loops that
/// go through many items (backup, restore, reading a snapshot's listings).</summary>
internal static class GarbagePacer
{
    private const long Step = 8 << 20;
    private static long s_next;

    public static void Tick()
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        long next = Volatile.Read(ref s_next);
        if (allocated < next || Interlocked.CompareExchange(ref s_next, allocated + Step, next) != next) return;
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
    }
}
