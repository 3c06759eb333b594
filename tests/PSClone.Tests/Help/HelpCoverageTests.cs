using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace PSClone.Tests.Help;

/// <summary>docs/help is the source of Get-Help: every cmdlet has a page, and each page says what
/// the code declares (parameters, sets, positions, pipeline binding, aliases, wildcards, outputs).</summary>
public sealed class HelpCoverageTests
{
    private static readonly string[] SectionOrder =
        { "SYNOPSIS", "SYNTAX", "ALIASES", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

    internal static string RepoRoot => typeof(HelpCoverageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    internal static string HelpFolder => Path.Combine(RepoRoot, "docs", "help");

    public static TheoryData<string> CmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in CmdletMetadata.All()) data.Add(c.Name);
        return data;
    }

    private static CmdletMetadata Cmdlet(string name) => CmdletMetadata.All().Single(c => c.Name == name);

    private static HelpPage Page(string name)
    {
        string path = Path.Combine(HelpFolder, name + ".md");
        Assert.True(File.Exists(path), $"docs/help/{name}.md is missing: every cmdlet needs a help page.");
        return HelpPage.Load(path);
    }

    [Fact]
    public void TheModuleHasTheSixFoundationCmdlets()
    {
        var names = CmdletMetadata.All().Select(c => c.Name).ToList();
        foreach (var expected in new[] { "Invoke-Clone", "Test-Clone", "Get-SafetyNetItem", "Restore-SafetyNetItem", "Remove-SafetyNetItem", "Clear-SafetyNet" })
            Assert.Contains(expected, names);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryCmdletHasAPageInThePlatyPSv1Schema(string name)
    {
        var page = Page(name);
        Assert.Equal("cmdlet", page.FrontMatter.GetValueOrDefault("document type"));
        Assert.Equal("2024-05-01", page.FrontMatter.GetValueOrDefault("PlatyPS schema version"));
        Assert.Equal(name, page.FrontMatter.GetValueOrDefault("title"));
        Assert.Equal("PSClone", page.FrontMatter.GetValueOrDefault("Module Name"));
        Assert.Equal("PSClone.dll-Help.xml", page.FrontMatter.GetValueOrDefault("external help file"));

        var required = SectionOrder.Where(s => s != "ALIASES").ToList();
        Assert.Equal(required, page.Sections.Where(s => s != "ALIASES").ToList());
        Assert.True(page.Examples.Count >= 2, $"{name}: needs at least two examples, has {page.Examples.Count}.");
        Assert.All(page.Examples, e => Assert.Matches(@"^Example \d+: \S", e));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryParameterHasASectionWithMatchingYaml(string name)
    {
        var cmdlet = Cmdlet(name);
        var page = Page(name);
        var expected = cmdlet.Parameters.Select(p => "-" + p.Name).ToList();
        if (cmdlet.SupportsShouldProcess) expected.AddRange(new[] { "-WhatIf", "-Confirm" });
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), page.Parameters.Keys.OrderBy(n => n, StringComparer.Ordinal));

        foreach (var p in cmdlet.Parameters)
        {
            var yaml = page.Parameters["-" + p.Name];
            Assert.False(yaml.IsMissing, $"{name} -{p.Name}: the section has no yaml block.");
            Assert.Equal(p.HelpTypeName, yaml.Scalar("Type"));
            Assert.Equal(p.SupportsWildcards ? "true" : "false", yaml.Scalar("SupportsWildcards"));
            Assert.Equal(p.Aliases.OrderBy(a => a), yaml.List("Aliases").OrderBy(a => a));
            Assert.False(string.IsNullOrWhiteSpace(yaml.Scalar("DefaultValue")), $"{name} -{p.Name}: DefaultValue is empty.");
            if (p.Type.IsEnum) Assert.Equal(Enum.GetNames(p.Type), yaml.List("AcceptedValues"));

            var documented = yaml.ParameterSets.ToDictionary(s => s["Name"] == "(All)" ? CmdletMetadata.AllSets : s["Name"], StringComparer.Ordinal);
            Assert.Equal(p.Sets.Select(s => s.Name).OrderBy(s => s), documented.Keys.OrderBy(s => s));
            foreach (var set in p.Sets)
            {
                var d = documented[set.Name];
                string where = $"{name} -{p.Name} in set {set.Name}";
                Assert.True(d.GetValueOrDefault("Position") == (set.IsPositional ? set.Position.ToString() : "Named"), $"{where}: Position is {d.GetValueOrDefault("Position")}.");
                Assert.True(d.GetValueOrDefault("IsRequired") == Bool(set.Mandatory), $"{where}: IsRequired.");
                Assert.True(d.GetValueOrDefault("ValueFromPipeline") == Bool(set.ValueFromPipeline), $"{where}: ValueFromPipeline.");
                Assert.True(d.GetValueOrDefault("ValueFromPipelineByPropertyName") == Bool(set.ValueFromPipelineByPropertyName), $"{where}: ValueFromPipelineByPropertyName.");
                Assert.True(d.GetValueOrDefault("ValueFromRemainingArguments") == Bool(set.ValueFromRemainingArguments), $"{where}: ValueFromRemainingArguments.");
            }
        }

        if (!cmdlet.SupportsShouldProcess) return;
        foreach (var (common, alias) in new[] { ("-WhatIf", "wi"), ("-Confirm", "cf") })
        {
            var yaml = page.Parameters[common];
            Assert.Equal("System.Management.Automation.SwitchParameter", yaml.Scalar("Type"));
            Assert.Equal(new[] { alias }, yaml.List("Aliases"));
            Assert.Equal("(All)", Assert.Single(yaml.ParameterSets)["Name"]);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void SyntaxHasOneBlockPerParameterSetNamingExactlyItsParameters(string name)
    {
        var cmdlet = Cmdlet(name);
        var page = Page(name);
        var sets = cmdlet.ParameterSets;
        Assert.Equal(sets.Count, page.Syntax.Count);
        foreach (var set in sets)
        {
            bool isDefault = sets.Count > 1 && set == cmdlet.DefaultParameterSetName;
            string heading = isDefault ? $"{set} (Default)" : set;
            Assert.True(page.Syntax.ContainsKey(heading), $"{name}: SYNTAX has no '### {heading}' block (has: {string.Join(", ", page.Syntax.Keys)}).");
            string block = Regex.Replace(page.Syntax[heading], @"\s+", " ").Trim();

            Assert.StartsWith(name + " ", block, StringComparison.Ordinal);
            Assert.EndsWith("[<CommonParameters>]", block, StringComparison.Ordinal);
            var named = Regex.Matches(block[name.Length..], @"-([A-Za-z]+)").Select(m => m.Groups[1].Value).ToList();
            var expected = cmdlet.InSet(set).Select(p => p.Name).ToList();
            if (cmdlet.SupportsShouldProcess) expected.AddRange(new[] { "WhatIf", "Confirm" });
            Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), named.OrderBy(n => n, StringComparer.Ordinal));

            foreach (var p in cmdlet.InSet(set))
            {
                var s = p.Sets.First(x => x.Name == set || x.Name == CmdletMetadata.AllSets);
                string type = $"<{p.SyntaxTypeName}>";
                string form = (p.IsSwitch, s.IsPositional, s.Mandatory) switch
                {
                    (true, _, _) => $"[-{p.Name}]",
                    (false, true, true) => $"[-{p.Name}] {type}",
                    (false, true, false) => $"[[-{p.Name}] {type}]",
                    (false, false, true) => $"-{p.Name} {type}",
                    (false, false, false) => $"[-{p.Name} {type}]",
                };
                Assert.True(Regex.IsMatch(block, @"(^|\s)" + Regex.Escape(form) + @"(\s|$)"),
                    $"{name} ({set}): SYNTAX should show -{p.Name} as '{form}': {block}");
            }
            if (cmdlet.SupportsShouldProcess) Assert.Contains("[-WhatIf] [-Confirm] [<CommonParameters>]", block, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void OutputsNameExactlyTheOutputTypes(string name)
    {
        var cmdlet = Cmdlet(name);
        var page = Page(name);
        Assert.NotEmpty(cmdlet.OutputTypes);
        Assert.Equal(cmdlet.OutputTypes.Select(t => t.FullName).OrderBy(t => t), page.Outputs.OrderBy(t => t));
        Assert.NotEmpty(page.Inputs);
    }

    [Fact]
    public void AboutTopicExistsAndLinksEveryCmdlet()
    {
        string path = Path.Combine(HelpFolder, "about_PSClone.md");
        Assert.True(File.Exists(path), "docs/help/about_PSClone.md is missing.");
        string text = File.ReadAllText(path);
        Assert.Contains("# about_PSClone", text, StringComparison.Ordinal);
        foreach (var c in CmdletMetadata.All())
            Assert.Contains($"[{c.Name}]({c.Name}.md)", text, StringComparison.Ordinal);
    }

    /// <summary>Error ids are a contract scripts rely on; every id the code can raise is documented.</summary>
    [Fact]
    public void AboutTopicDocumentsEveryErrorIdTheCodeRaises()
    {
        var ids = ErrorIdsInSource();
        Assert.True(ids.Count >= 30, $"Found only {ids.Count} error ids in src/: the scan is broken.");
        // The about topics together (about_PSClone and its companions such as about_PSClone_Tasks).
        string about = string.Concat(Directory.GetFiles(HelpFolder, "about_PSClone*.md").Select(File.ReadAllText));
        var missing = ids.Where(id => !about.Contains($"`{id}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "no about_PSClone*.md topic documents: " + string.Join(", ", missing));
    }

    internal static SortedSet<string> ErrorIdsInSource()
    {
        var patterns = new[]
        {
            new Regex(@"""([A-Z][A-Za-z]+)""\s*,\s*(FailureKind|ErrorCategory)\."),
            new Regex(@"\bBad\((?:\w+,\s*)?""([A-Z][A-Za-z]+)"""),
            new Regex(@"ErrorId = ""([A-Z][A-Za-z]+)"""),
            new Regex(@"\bnew\(""([A-Z][A-Za-z]+)"","),
        };
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            string text = File.ReadAllText(file);
            foreach (var regex in patterns)
            {
                foreach (Match m in regex.Matches(text)) ids.Add(m.Groups[1].Value);
            }
        }
        return ids;
    }

    /// <summary>Every example on every page is backed by a test named Page_ExampleN_... in
    /// HelpExampleTests, and every such test names an example that exists.</summary>
    [Fact]
    public void EveryExampleHasATestAndEveryExampleTestHasAnExample()
    {
        var tests = typeof(HelpExampleTests).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttributesData().Any(a => a.AttributeType.Name is "FactAttribute" or "TheoryAttribute"))
            .Select(m => m.Name)
            .ToList();
        var examples = new List<string>();
        foreach (var c in CmdletMetadata.All())
        {
            var page = Page(c.Name);
            string prefix = c.Name.Replace("-", "", StringComparison.Ordinal);
            for (int n = 1; n <= page.Examples.Count; n++)
            {
                Assert.StartsWith($"Example {n}:", page.Examples[n - 1], StringComparison.Ordinal);
                examples.Add($"{prefix}_Example{n}_");
            }
        }
        foreach (var example in examples)
            Assert.True(tests.Any(t => t.StartsWith(example, StringComparison.Ordinal)), $"No test in HelpExampleTests starts with {example}.");
        foreach (var test in tests)
            Assert.True(examples.Any(e => test.StartsWith(e, StringComparison.Ordinal)), $"HelpExampleTests.{test} names no example in docs/help.");
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
