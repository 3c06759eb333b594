using Xunit;

namespace PSClone.Tests.Support;

/// <summary>Finds an external tool the way the tests run it.</summary>
public static class Tools
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

/// <summary>A fact that is reported as skipped, with the reason, when a tool it needs is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        if (Tools.Find(tool) is null) Skip = $"{tool} is not installed (install it to run this test)";
    }
}

/// <summary>A theory that is reported as skipped, with the reason, when a tool it needs is not installed.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(string tool)
    {
        if (Tools.Find(tool) is null) Skip = $"{tool} is not installed (install it to run this test)";
    }
}

/// <summary>A fact that is reported as skipped, with the reason, when the tests do not run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Native.IsRoot) Skip = "needs root (it mounts a small tmpfs to fill up)";
    }
}
