using Xunit;

namespace PSClone.Tests.Support;

/// <summary>A test that runs the CLI as an unprivileged user: skipped, with the reason, when this
/// process is not root or setpriv is missing.</summary>
public sealed class UnprivilegedRunFactAttribute : FactAttribute
{
    public UnprivilegedRunFactAttribute()
    {
        if (Cli.WhyNoUnprivilegedRun() is { } why) Skip = why;
    }
}

/// <summary>A test that sends SIGINT to the CLI: skipped when this process ignores SIGINT (a
/// background job of a shell without job control), because the CLI inherits that and, as every
/// program should, keeps ignoring it.</summary>
public sealed class SigIntFactAttribute : FactAttribute
{
    public SigIntFactAttribute()
    {
        if (Native.IgnoresSignal(Native.SigInt))
            Skip = "this test process ignores SIGINT (started in the background without job control), so the CLI would inherit that";
    }
}
