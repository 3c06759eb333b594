using Xunit;

namespace PSClone.Tests.Tasks;

/// <summary>A fact that is reported as skipped, with the reason, when a tool it needs is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        if (Find(tool) is null) Skip = $"{tool} is not installed (install it to run this test)";
    }

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
