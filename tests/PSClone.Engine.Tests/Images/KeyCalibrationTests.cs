using PSClone.Images;
using Xunit;

namespace PSClone.Tests.Images;

/// <summary>The key derivation's calibration, with a stand-in for the derivation whose speed the test
/// sets, so the outcome is exact (no timing of the real machine).</summary>
public sealed class KeyCalibrationTests
{
    private static Func<int, TimeSpan> At(double iterationsPerSecond, Func<int, double>? factorOfCall = null)
    {
        int call = 0;
        return iterations => TimeSpan.FromSeconds(iterations / iterationsPerSecond * (factorOfCall?.Invoke(call++) ?? 1));
    }

    [Fact]
    public void ASteadyMachine_GetsOneSecondOfIterations()
    {
        Assert.Equal(3_370_000, KeySlot.Calibrate(At(3_374_000)));
    }

    [Fact]
    public void OneSlowAndOneFastProbe_DoNotMoveTheCount()
    {
        // Call 0 is the warm-up; a probe ten times too slow (a hiccup) and one ten times too fast
        // (a burst before the clock settles) must not set what every open pays.
        var hiccups = At(2_000_000, call => call switch { 1 => 10, 2 => 0.1, _ => 1 });
        Assert.Equal(2_000_000, KeySlot.Calibrate(hiccups));
    }

    [Fact]
    public void ProbesLastAtLeastAQuarterOfASecond_AndAreAtLeastFive()
    {
        int probes = 0;
        long iterations = 0;
        KeySlot.Calibrate(n => { probes++; iterations += n; return TimeSpan.FromSeconds(n / 1_000_000.0); });
        Assert.True(probes - 1 >= 5, $"{probes - 1} probes");
        Assert.True(iterations - 1000 >= 250_000, $"{iterations - 1000} iterations measured: under a quarter of a second");
    }

    [Fact]
    public void ASlowMachine_StillGetsTheFloor()
    {
        Assert.Equal(KeySlot.MinimumCalibratedIterations, KeySlot.Calibrate(At(50_000)));
    }
}
