using PSClone.Images;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>Data buffers outside the managed heap: what is kept for reuse, what is freed, and that a
/// freed buffer can no longer be touched.</summary>
public sealed class BufferPoolTests
{
    [Fact]
    public void ANativeBuffer_HoldsItsBytes_AndCannotBeUsedOnceFreed()
    {
        var buffer = NativeBuffer.Allocate(3 << 20);
        Assert.Equal(3 << 20, buffer.Length);
        for (int i = 0; i < buffer.Length; i += 4096) buffer.Span[i] = (byte)(i >> 12);
        for (int i = 0; i < buffer.Length; i += 4096) Assert.Equal((byte)(i >> 12), buffer.Span[i]);
        Assert.Equal(new byte[] { 1, 0, 0 }, buffer.AsSpan(4096, 3).ToArray());

        buffer.Free();
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Free(); // a second free does nothing
    }

    [Fact]
    public void Rent_GivesTheSmallestKeptBufferThatFits_OrANewOne()
    {
        var pool = new BufferPool(16 << 20);
        var small = pool.Rent(100);
        var large = pool.Rent(2 << 20);
        Assert.Equal(64 << 10, small.Length); // never less than 64 KiB
        Assert.Equal(2 << 20, large.Length);
        pool.Return(small);
        pool.Return(large);
        Assert.Equal((64 << 10) + (2 << 20), pool.Kept);

        Assert.Same(small, pool.Rent(1000));
        Assert.Same(large, pool.Rent(1 << 20));
        var fresh = pool.Rent(3 << 20);
        Assert.NotSame(large, fresh);
        Assert.Equal(0, pool.Kept);
        foreach (var b in new[] { small, large, fresh }) b.Free();
    }

    [Fact]
    public void Return_KeepsTheLargestBuffersWithinTheLimit_AndFreesTheRest()
    {
        var pool = new BufferPool(10 << 20);
        var buffers = new[] { 1, 4, 2, 4, 3 }.Select(mb => pool.Rent(mb << 20)).ToList();
        foreach (var b in buffers) pool.Return(b);

        // 1, 4, 2, 4 and 3 MiB returned in turn: each time more than 10 MiB is kept, the smallest
        // kept buffer goes (1 MiB when the second 4 came, then 2 and 3 MiB when the 3 came).
        Assert.Equal(8 << 20, pool.Kept);
        foreach (int freed in new[] { 0, 2, 4 }) Assert.Throws<ObjectDisposedException>(() => buffers[freed].Span.Length);
        foreach (int kept in new[] { 1, 3 }) Assert.Equal(4 << 20, buffers[kept].Span.Length);
        Assert.Same(buffers[1], pool.Rent(3 << 20)); // the smallest that fits; both are 4 MiB, the first kept comes first
        pool.Return(buffers[1]);

        pool.Clear();
        Assert.Equal(0, pool.Kept);
        Assert.All(buffers, b => Assert.Throws<ObjectDisposedException>(() => b.Span.Length));
    }

    [Fact]
    public void GarbagePacer_CollectsTheYoungestGeneration_Once8MiBWereAllocated()
    {
        GarbagePacer.Tick();
        int before = GC.CollectionCount(0);
        for (int i = 0; i < 300; i++) GC.KeepAlive(new byte[32 << 10]); // 9.4 MiB of short-lived garbage
        GarbagePacer.Tick();
        Assert.True(GC.CollectionCount(0) > before, "no young collection after 9 MiB");
    }
}
