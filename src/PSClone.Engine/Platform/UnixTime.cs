namespace PSClone.Platform;

/// <summary>Times as the engine keeps them: nanoseconds since the Unix epoch (UTC), to the 100 ns a
/// <see cref="DateTimeOffset"/> holds.</summary>
internal static class UnixTime
{
    public static long Ns(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static long NowNs() => Ns(DateTimeOffset.UtcNow);
}
