using Xunit;

namespace PSClone.Tests.Support;

/// <summary>What a test needs from the machine; a test whose needs are not met is skipped, saying why.</summary>
public static class Requirements
{
    /// <summary>The full path of a tool on PATH, found the way the tests run it; null when it is not installed.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static bool HasTool(string name) => Find(name) is not null;

    public static string? Missing(string[] tools, bool root)
    {
        var missing = tools.Where(t => !HasTool(t)).ToList();
        if (root && !Native.IsRoot) missing.Add("root");
        return missing.Count == 0 ? null : $"needs {string.Join(", ", missing)} (install it, or run as root, to run this test)";
    }
}

/// <summary>A [Fact] that needs command-line tools (and optionally root).</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        if (Requirements.Missing(tools, false) is { } why) Skip = why;
    }

    public bool Root
    {
        get => false;
        init
        {
            if (value && Requirements.Missing(Array.Empty<string>(), true) is { } why) Skip = why;
        }
    }
}

/// <summary>A [Theory] that needs command-line tools.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        if (Requirements.Missing(tools, false) is { } why) Skip = why;
    }
}

/// <summary>A [Fact] that runs only as root (it mounts file systems or changes owners); elsewhere it is skipped, saying why.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Native.IsRoot) Skip = "needs root (mounts a small tmpfs, or sets owners)";
    }
}
