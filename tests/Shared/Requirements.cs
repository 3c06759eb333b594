using Xunit;

namespace PSClone.Tests.Support;

/// <summary>What a test needs from the machine; a test whose needs are not met is skipped, saying why.</summary>
public static class Requirements
{
    public static bool HasTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, name)));

    public static string? Missing(string[] tools, bool root)
    {
        var missing = tools.Where(t => !HasTool(t)).ToList();
        if (root && !Native.IsRoot) missing.Add("root");
        return missing.Count == 0 ? null : $"needs {string.Join(", ", missing)}";
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
