using PSClone.Images;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>The two implementations of record codec 2: the system's libzstd and the managed
/// ZstdSharp write frames the other reads, and both answer damage with false, never an exception.</summary>
public sealed class ZstdTests
{
    private static readonly Zstd? NativeZstd = Zstd.Native.TryLoad();

    /// <summary>A [Theory] that needs the system's libzstd (libzstd.so.1, 1.4 or later).</summary>
    public sealed class NativeTheoryAttribute : TheoryAttribute
    {
        public NativeTheoryAttribute()
        {
            if (NativeZstd is null) Skip = "needs the system's libzstd 1.4 or later (install the libzstd1 package)";
        }
    }

    /// <summary>A [Fact] that needs the system's libzstd.</summary>
    public sealed class NativeFactAttribute : FactAttribute
    {
        public NativeFactAttribute()
        {
            if (NativeZstd is null) Skip = "needs the system's libzstd 1.4 or later (install the libzstd1 package)";
        }
    }

    public static IEnumerable<object[]> Kinds() =>
        from kind in new[] { "text", "binary", "random", "zeros" }
        from length in new[] { 64, 1000, 65_536, 1 << 20 }
        select new object[] { kind, length };

    private static byte[] Content(string kind, int length)
    {
        var rng = new Random(length);
        var data = new byte[length];
        string[] words = { "alpha ", "beta ", "gamma ", "restore ", "chunk\n" };
        for (int i = 0; i < length;)
        {
            switch (kind)
            {
                case "text":
                    foreach (char c in words[rng.Next(words.Length)]) if (i < length) data[i++] = (byte)c;
                    break;
                case "binary":
                    data[i++] = (byte)(rng.Next(4) == 0 ? rng.Next(96) : 0);
                    break;
                case "random":
                    data[i++] = (byte)rng.Next(256);
                    break;
                default:
                    i = length;
                    break;
            }
        }
        return data;
    }

    private static byte[] Compress(Zstd zstd, byte[] data, int level)
    {
        var frame = new byte[data.Length + 1024];
        Assert.True(zstd.TryCompress(data, frame, level, out int written), $"{zstd.Name} could not compress");
        return frame[..written];
    }

    [NativeFact]
    public void TheSystemLibrary_IsUsed_UnlessManagedIsAsked() =>
        Assert.Equal(Environment.GetEnvironmentVariable("PSCLONE_ZSTD") == "managed" ? "managed" : "libzstd", Zstd.Default.Name);

    [NativeTheory]
    [MemberData(nameof(Kinds))]
    public void EachReadsWhatTheOtherWrote(string kind, int length)
    {
        var data = Content(kind, length);
        foreach (int level in new[] { 1, 3 })
        foreach (var (writer, reader) in new[] { (NativeZstd!, (Zstd)Zstd.Managed.Instance), (Zstd.Managed.Instance, NativeZstd!) })
        {
            var frame = Compress(writer, data, level);
            var back = new byte[length];
            Assert.True(reader.TryDecompress(frame, back, out int written), $"{reader.Name} could not read {writer.Name}'s frame");
            Assert.Equal(length, written);
            Assert.Equal(data, back);
            if (kind != "random") Assert.True(frame.Length < length, $"{writer.Name} did not compress {kind}");
        }
    }

    [Fact]
    public void Managed_TooSmallBuffers_AndDamagedFrames_GiveFalse() => TooSmallBuffersAndDamagedFrames(Zstd.Managed.Instance);

    [NativeFact]
    public void Native_TooSmallBuffers_AndDamagedFrames_GiveFalse() => TooSmallBuffersAndDamagedFrames(NativeZstd!);

    private static void TooSmallBuffersAndDamagedFrames(Zstd zstd)
    {
        var data = Content("text", 200_000);
        var frame = Compress(zstd, data, 1);

        // A frame that does not fit where the record must go is "not worth compressing".
        Assert.False(zstd.TryCompress(data, new byte[frame.Length - 1], 1, out _));
        // Content longer than the record claims is damage.
        Assert.False(zstd.TryDecompress(frame, new byte[data.Length - 1], out _));

        var rng = new Random(7);
        var output = new byte[data.Length];
        for (int i = 0; i < 3000; i++)
        {
            var damaged = (byte[])frame.Clone();
            switch (i % 3)
            {
                case 0:
                    damaged[rng.Next(damaged.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    damaged = damaged[..rng.Next(damaged.Length)];
                    break;
                default:
                    rng.NextBytes(damaged.AsSpan(rng.Next(damaged.Length)));
                    break;
            }
            // A flipped literal can still decode (the record's tag or id catches it); what matters
            // is that nothing throws and nothing is written past the output.
            if (zstd.TryDecompress(damaged, output, out int written)) Assert.InRange(written, 0, output.Length);
            else Assert.Equal(0, written);
        }
    }
}
