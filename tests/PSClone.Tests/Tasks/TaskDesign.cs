using System.Text.RegularExpressions;
using PSClone.Tests.Help;
using Xunit;

namespace PSClone.Tests.Tasks;

/// <summary>docs/tasks-design.md's `cmdlet-parameters` block: the exact parameter names of the task
/// cmdlets, which the DSC class resource relies on.</summary>
internal static class TaskDesign
{
    public static Dictionary<string, HashSet<string>> CmdletParameters()
    {
        string design = File.ReadAllText(Path.Combine(TaskCli.RepoRoot, "docs/tasks-design.md"));
        string block = Regex.Match(design, "```cmdlet-parameters\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        return block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet());
    }
}

public sealed class TaskCmdletDesignTests
{
    /// <summary>The cmdlets in PSClone.dll have exactly the parameters the design lists (WhatIf and
    /// Confirm where they support ShouldProcess), so design, DSC resource and code cannot drift apart.</summary>
    [Fact]
    public void TheTaskCmdlets_HaveExactlyTheDesignedParameters()
    {
        var designed = TaskDesign.CmdletParameters();
        Assert.Equal(11, designed.Count);
        var cmdlets = CmdletMetadata.All().Where(c => c.Name.Contains("CloneTask", StringComparison.Ordinal)).ToDictionary(c => c.Name);
        Assert.Equal(designed.Keys.Order(StringComparer.Ordinal), cmdlets.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, parameters) in designed)
        {
            var cmdlet = cmdlets[name];
            var actual = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? ["WhatIf", "Confirm"] : Array.Empty<string>());
            Assert.True(parameters.SetEquals(actual),
                $"{name}: the design lists {string.Join(" ", parameters.Order())}, the cmdlet has {string.Join(" ", actual.Order())}");
        }
    }

    /// <summary>New-CloneTask and Set-CloneTask take Invoke-Clone's clone options with the same types.
    /// Not -Passphrase: a task never stores one (a scheduled run reads PSCLONE_PASSPHRASE).</summary>
    [Fact]
    public void CloneOptions_HaveOneDeclarationForInvokeCloneAndTheTaskCmdlets()
    {
        var invoke = CmdletMetadata.All().Single(c => c.Name == "Invoke-Clone");
        var options = invoke.Parameters.Where(p => p.Name is not ("Source" or "Destination" or "PassThru" or "Passphrase")).ToList();
        Assert.Equal(18, options.Count);
        foreach (string name in new[] { "New-CloneTask", "Set-CloneTask" })
        {
            var cmdlet = CmdletMetadata.All().Single(c => c.Name == name);
            foreach (var option in options)
            {
                var same = cmdlet.Parameters.Single(p => p.Name == option.Name);
                Assert.Equal(option.Type, same.Type);
                Assert.Equal(option.Aliases, same.Aliases);
            }
        }
    }
}
