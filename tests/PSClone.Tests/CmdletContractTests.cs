using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using PSClone.Commands;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests;

/// <summary>The PowerShell contract of every cmdlet in PSClone.dll, read from metadata
/// (PowerShellStandard.Library is a stub: attribute instances would only hold defaults).
/// Every test enumerates the cmdlets it checks, so cmdlets added later are covered without edits.</summary>
public sealed partial class CmdletContractTests
{
    private static readonly Assembly Module = typeof(InvokeCloneCommand).Assembly;
    private static readonly Assembly Engine = typeof(CloneRunResult).Assembly;

    /// <summary>Verbs that only read, compare or show; a cmdlet with any other verb changes data.</summary>
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.Ordinal)
    {
        "Get", "Test", "Find", "Search", "Measure", "Compare", "Show", "Format", "Read", "Resolve", "Select",
        "Trace", "Watch", "Wait", "Ping", "Receive", "ConvertFrom", "ConvertTo", "Split", "Join", "Debug",
        "Enter", "Exit", "Step", "Use", "Confirm",
    };

    /// <summary>Verbs that destroy data: ConfirmImpact High.</summary>
    private static readonly HashSet<string> DestructiveVerbs = new(StringComparer.Ordinal) { "Remove", "Clear" };

    /// <summary>PowerShell 7.4's common and risk-mitigation parameters with their aliases (the stub
    /// assembly does not carry the CommonParameters class; ShouldProcessParameters is read from it too).</summary>
    private static readonly HashSet<string> CommonParameterNames = BuildCommonParameterNames();

    public static TheoryData<string> CmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in AllCmdlets()) data.Add(c.Type.Name);
        return data;
    }

    private sealed record CmdletInfo(Type Type, string Verb, string Noun, CustomAttributeData Attribute)
    {
        public string Name => $"{Verb}-{Noun}";

        public T? Named<T>(string name) =>
            Attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberInfo: not null } arg ? (T?)arg.TypedValue.Value : default;
    }

    private sealed record ParameterInfo(PropertyInfo Property, IReadOnlyList<CustomAttributeData> Parameters, IReadOnlyList<string> Aliases)
    {
        public string Name => Property.Name;

        /// <summary>The parameter sets this parameter belongs to ("__AllParameterSets" when none is named).</summary>
        public IEnumerable<(string Set, bool Mandatory, bool ByPropertyName, int? Position, bool ByValue)> Sets =>
            Parameters.Select(p => (
                Named<string>(p, "ParameterSetName") ?? AllSets,
                Named<bool>(p, "Mandatory"),
                Named<bool>(p, "ValueFromPipelineByPropertyName"),
                p.NamedArguments.Any(a => a.MemberName == "Position") ? (int?)Named<int>(p, "Position") : null,
                Named<bool>(p, "ValueFromPipeline")));

        public bool ByPropertyName => Sets.Any(s => s.ByPropertyName);

        /// <summary>True when a property of this name or alias on a piped object binds to it.</summary>
        public bool BindsFrom(Type type) =>
            type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Any(p => string.Equals(p.Name, Name, StringComparison.OrdinalIgnoreCase)
                          || Aliases.Contains(p.Name, StringComparer.OrdinalIgnoreCase));
    }

    private const string AllSets = "__AllParameterSets";

    private static T? Named<T>(CustomAttributeData data, string name) =>
        data.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberInfo: not null } arg ? (T?)arg.TypedValue.Value : default;

    private static IReadOnlyList<CmdletInfo> AllCmdlets()
    {
        var result = new List<CmdletInfo>();
        foreach (var type in Module.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t)))
        {
            var attribute = type.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType == typeof(CmdletAttribute));
            if (attribute is null)
            {
                result.Add(new CmdletInfo(type, "", "", null!));
                continue;
            }
            result.Add(new CmdletInfo(type, (string)attribute.ConstructorArguments[0].Value!, (string)attribute.ConstructorArguments[1].Value!, attribute));
        }
        return result.OrderBy(c => c.Type.Name, StringComparer.Ordinal).ToList();
    }

    private static CmdletInfo Cmdlet(string typeName) => AllCmdlets().Single(c => c.Type.Name == typeName);

    private static CmdletInfo CmdletByName(string name) => AllCmdlets().Single(c => c.Name == name);

    private static IReadOnlyList<ParameterInfo> ParametersOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => new ParameterInfo(p,
                p.GetCustomAttributesData().Where(a => a.AttributeType == typeof(ParameterAttribute)).ToList(),
                p.GetCustomAttributesData().Where(a => a.AttributeType == typeof(AliasAttribute))
                    .SelectMany(a => StringArray(a.ConstructorArguments[0])).ToList()))
            .Where(p => p.Parameters.Count > 0)
            .ToList();

    private static IEnumerable<string> StringArray(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => (string)i.Value!) : new[] { (string)argument.Value! };

    private static IReadOnlyList<Type> OutputTypesOf(Type type) =>
        type.GetCustomAttributesData().Where(a => a.AttributeType == typeof(OutputTypeAttribute))
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : new[] { arg.Value })
            .Select(v => v as Type ?? throw new Xunit.Sdk.XunitException($"{type.Name} names an output type by string ('{v}'); use typeof so it is checked."))
            .ToList();

    /// <summary>Every approved verb, from the const fields of the Verbs* classes of System.Management.Automation.</summary>
    private static readonly HashSet<string> ApprovedVerbs = typeof(Cmdlet).Assembly.GetTypes()
        .Where(t => t.IsPublic && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> BuildCommonParameterNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa",
            "ProgressAction", "proga", "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv",
            "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv", "WhatIf", "wi", "Confirm", "cf", "UseTransaction", "usetx",
        };
        foreach (var p in typeof(System.Management.Automation.Internal.ShouldProcessParameters).GetProperties()) names.Add(p.Name);
        return names;
    }

    // ---------------------------------------------------------------- the set of cmdlets

    [Fact]
    public void TheModuleHasCmdlets_AndTheVerbListIsRead()
    {
        Assert.NotEmpty(AllCmdlets());
        Assert.True(ApprovedVerbs.Count >= 90, $"only {ApprovedVerbs.Count} approved verbs were read from the Verbs* classes");
        Assert.Contains("Invoke", ApprovedVerbs);
        Assert.Contains("Restore", ApprovedVerbs);
        Assert.DoesNotContain("Delete", ApprovedVerbs);
    }

    [Fact]
    public void EveryPublicTypeOfTheModule_IsACmdletOrAProvider()
    {
        var others = Module.GetTypes()
            .Where(t => t.IsPublic && !typeof(Cmdlet).IsAssignableFrom(t) && !typeof(System.Management.Automation.Provider.CmdletProvider).IsAssignableFrom(t))
            .Select(t => t.FullName).ToList();
        Assert.True(others.Count == 0, "PSClone.dll should hold cmdlets and providers only (results are engine types): " + string.Join(", ", others));
    }

    [Fact]
    public void ManifestCmdletsToExport_AreExactlyTheCmdletsOfTheAssembly()
    {
        string manifest = File.ReadAllText(Path.Combine(Cli.RepoRoot, "PSClone.psd1"));
        var block = CmdletsToExportPattern().Match(manifest);
        Assert.True(block.Success, "PSClone.psd1 has no CmdletsToExport = @( ... )");
        var exported = QuotedPattern().Matches(block.Groups[1].Value).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(exported.Count, exported.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var cmdlets = AllCmdlets().Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(cmdlets, exported.Order(StringComparer.Ordinal).ToList());
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletsToExportPattern();

    [GeneratedRegex(@"['""]([^'""]+)['""]")]
    private static partial Regex QuotedPattern();

    // ---------------------------------------------------------------- per cmdlet

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void HasCmdletAttribute_ApprovedVerb_SingularPascalCaseNoun(string typeName)
    {
        var c = Cmdlet(typeName);
        Assert.True(c.Attribute is not null, $"{typeName} has no [Cmdlet] attribute");
        Assert.True(ApprovedVerbs.Contains(c.Verb), $"{c.Name}: '{c.Verb}' is not an approved verb");
        Assert.Matches(@"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*$", c.Noun);
        string lastWord = PascalWords().Matches(c.Noun)[^1].Value;
        bool plural = lastWord.EndsWith('s') && !lastWord.EndsWith("ss", StringComparison.Ordinal)
            && !lastWord.EndsWith("us", StringComparison.Ordinal) && !lastWord.EndsWith("is", StringComparison.Ordinal);
        Assert.False(plural, $"{c.Name}: the noun '{c.Noun}' looks plural; cmdlet nouns are singular");
    }

    [GeneratedRegex("[A-Z][a-z0-9]*")]
    private static partial Regex PascalWords();

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void ClassIsVerbNounCommand_InItsOwnFile_Sealed(string typeName)
    {
        var c = Cmdlet(typeName);
        string expected = c.Verb + c.Noun + "Command";
        Assert.Equal(expected, c.Type.Name);
        Assert.Equal("PSClone.Commands", c.Type.Namespace);
        Assert.True(c.Type.IsSealed, $"{typeName} should be sealed");
        string file = Path.Combine(Cli.RepoRoot, "src", "PSClone", "Commands", expected + ".cs");
        Assert.True(File.Exists(file), $"{typeName} should live in src/PSClone/Commands/{expected}.cs");
        string text = File.ReadAllText(file);
        Assert.Matches($@"\bclass\s+{expected}\b", text);
        Assert.Single(Regex.Matches(text, @"\[Cmdlet\("));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void DeclaresOutputType_OfPublicEngineTypes(string typeName)
    {
        var types = OutputTypesOf(Cmdlet(typeName).Type);
        Assert.True(types.Count > 0, $"{typeName} has no [OutputType]");
        foreach (var t in types)
        {
            Assert.True(t.IsPublic, $"{typeName}: output type {t} is not public");
            bool primitive = t.Assembly == typeof(object).Assembly && (t.IsPrimitive || t == typeof(string));
            Assert.True(t.Assembly == Engine || primitive, $"{typeName}: output type {t} should come from PSClone.Engine (or be a primitive)");
        }
        Assert.Contains(types, t => t.Assembly == Engine);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void ChangesData_SupportsShouldProcess_DestroysData_ConfirmImpactHigh(string typeName)
    {
        var c = Cmdlet(typeName);
        bool supports = c.Named<bool>("SupportsShouldProcess");
        if (!ReadOnlyVerbs.Contains(c.Verb))
            Assert.True(supports, $"{c.Name} changes data ('{c.Verb}' is not a read-only verb) and should declare SupportsShouldProcess = true");
        if (DestructiveVerbs.Contains(c.Verb))
        {
            bool declared = c.Attribute.NamedArguments.Any(a => a.MemberName == "ConfirmImpact");
            var impact = declared ? (ConfirmImpact)c.Named<int>("ConfirmImpact") : ConfirmImpact.Medium; // PowerShell's default
            Assert.True(impact == ConfirmImpact.High, $"{c.Name} destroys data and should declare ConfirmImpact = High, not {impact}");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void StopProcessing_IsOverriddenInTheModule(string typeName)
    {
        var method = Cmdlet(typeName).Type.GetMethod("StopProcessing", BindingFlags.Instance | BindingFlags.NonPublic)!;
        Assert.Equal(Module, method.DeclaringType!.Assembly);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void ParameterSetNames_AreConstants_AndConsistent(string typeName)
    {
        var c = Cmdlet(typeName);
        var constants = new HashSet<string>(StringComparer.Ordinal);
        for (var t = c.Type; t is not null && t.Assembly == Module; t = t.BaseType)
        {
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (f.IsLiteral && f.FieldType == typeof(string)) constants.Add((string)f.GetRawConstantValue()!);
            }
        }
        var parameters = ParametersOf(c.Type);
        var named = parameters.SelectMany(p => p.Sets).Select(s => s.Set).Where(s => s != AllSets).ToHashSet(StringComparer.Ordinal);
        foreach (var set in named)
            Assert.True(constants.Contains(set), $"{c.Name}: parameter set '{set}' is not a const string of the class");
        string? defaultSet = c.Named<string>("DefaultParameterSetName");
        if (defaultSet is not null)
        {
            Assert.True(constants.Contains(defaultSet), $"{c.Name}: DefaultParameterSetName '{defaultSet}' is not a const string of the class");
            Assert.True(named.Contains(defaultSet), $"{c.Name}: DefaultParameterSetName '{defaultSet}' is used by no parameter");
        }
        if (named.Count > 1) Assert.True(defaultSet is not null, $"{c.Name} has parameter sets {string.Join(", ", named)} but no DefaultParameterSetName");

        // Positions are unique within every set (a parameter in all sets counts in each).
        var sets = named.Count == 0 ? new HashSet<string> { AllSets } : named;
        foreach (var set in sets)
        {
            var positions = parameters.SelectMany(p => p.Sets.Where(s => s.Set == set || s.Set == AllSets).Select(s => (p.Name, s.Position)))
                .Where(x => x.Position is not null).GroupBy(x => x.Position).Where(g => g.Count() > 1).ToList();
            Assert.True(positions.Count == 0, $"{c.Name}: in set '{set}', position {positions.FirstOrDefault()?.Key} is taken by " +
                string.Join(" and ", positions.FirstOrDefault()?.Select(x => x.Name) ?? Array.Empty<string>()));
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void NoParameterOrAlias_ShadowsACommonParameter(string typeName)
    {
        foreach (var p in ParametersOf(Cmdlet(typeName).Type))
        {
            Assert.False(CommonParameterNames.Contains(p.Name), $"{typeName}: parameter -{p.Name} is a common parameter's name");
            foreach (var alias in p.Aliases)
                Assert.False(CommonParameterNames.Contains(alias), $"{typeName}: alias '{alias}' of -{p.Name} is a common parameter's name or alias");
        }
    }

    // ---------------------------------------------------------------- pipelines

    /// <summary>A pipeline A | B: A emits <see cref="Piped"/>, B binds its properties by name.</summary>
    public sealed record PipelinePair(string Upstream, Type Piped, string Downstream)
    {
        public override string ToString() => $"{Upstream} ({Piped.Name}) | {Downstream}";
    }

    /// <summary>Pipelines across nouns, which the noun-family rule below cannot find: a task piped to
    /// the cmdlets of its history and schedule.</summary>
    private static readonly (string Upstream, Type Piped, string Downstream)[] DeclaredPipelines =
    [
        ("Get-CloneTask", typeof(CloneTask), "Get-CloneTaskHistory"),
        ("Get-CloneTask", typeof(CloneTask), "Register-CloneTaskSchedule"),
        ("Get-CloneTask", typeof(CloneTask), "Unregister-CloneTaskSchedule"),
    ];

    /// <summary>Pairs in one noun family (the same noun) where the downstream cmdlet consumes the
    /// upstream output: every by-property-name parameter that every set of B requires is a property
    /// of the piped type. Such a pipeline must bind completely (see the test below). Plus the
    /// <see cref="DeclaredPipelines"/>.</summary>
    private static IReadOnlyList<PipelinePair> PipelinePairs()
    {
        var pairs = DeclaredPipelines.Select(d => new PipelinePair(d.Upstream, d.Piped, d.Downstream)).ToList();
        var cmdlets = AllCmdlets();
        foreach (var a in cmdlets)
        {
            foreach (var piped in OutputTypesOf(a.Type).Where(t => t.Assembly == Engine))
            {
                foreach (var b in cmdlets.Where(b => b != a && b.Noun == a.Noun))
                {
                    var parameters = ParametersOf(b.Type);
                    var byName = parameters.Where(p => p.ByPropertyName).ToList();
                    if (byName.Count == 0 || !byName.Any(p => p.BindsFrom(piped))) continue;
                    var sets = SetsOf(parameters);
                    var alwaysRequired = byName.Where(p => sets.All(set => MandatoryIn(p, set))).ToList();
                    if (alwaysRequired.All(p => p.BindsFrom(piped))) pairs.Add(new PipelinePair(a.Name, piped, b.Name));
                }
            }
        }
        return pairs;
    }

    private static HashSet<string> SetsOf(IReadOnlyList<ParameterInfo> parameters)
    {
        var named = parameters.SelectMany(p => p.Sets).Select(s => s.Set).Where(s => s != AllSets).ToHashSet(StringComparer.Ordinal);
        return named.Count == 0 ? new HashSet<string> { AllSets } : named;
    }

    private static bool MandatoryIn(ParameterInfo p, string set) => p.Sets.Any(s => (s.Set == set || s.Set == AllSets) && s.Mandatory);

    private static bool InSet(ParameterInfo p, string set) => p.Sets.Any(s => s.Set == set || s.Set == AllSets);

    /// <summary>A parameter that takes no pipeline input in a set is given on the command line
    /// (Test-CloneTask -MaxAge, Export-CloneTask -Path): the piped object need not supply it.</summary>
    private static bool FromPipeline(ParameterInfo p, string set) => p.Sets.Any(s => (s.Set == set || s.Set == AllSets) && (s.ByPropertyName || s.ByValue));

    public static TheoryData<string, string, string> PipelineData()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var p in PipelinePairs()) data.Add(p.Upstream, p.Piped.FullName!, p.Downstream);
        return data;
    }

    [Theory]
    [InlineData("Get-SafetyNetItem", "Restore-SafetyNetItem")]
    [InlineData("Get-SafetyNetItem", "Remove-SafetyNetItem")]
    [InlineData("Invoke-Clone", "Test-Clone")]
    [InlineData("Get-CloneTask", "Invoke-CloneTask")]
    [InlineData("Get-CloneTask", "Test-CloneTask")]
    [InlineData("Test-CloneTask", "Invoke-CloneTask")]
    [InlineData("Get-CloneTask", "Set-CloneTask")]
    [InlineData("Get-CloneTask", "Remove-CloneTask")]
    [InlineData("Get-CloneTask", "Export-CloneTask")]
    [InlineData("Get-CloneTask", "Get-CloneTaskHistory")]
    [InlineData("Get-CloneTask", "Register-CloneTaskSchedule")]
    [InlineData("Register-CloneTaskSchedule", "Unregister-CloneTaskSchedule")]
    [InlineData("Get-BackupSnapshot", "Remove-BackupSnapshot")]
    [InlineData("Get-BackupImageItem", "Restore-BackupImageItem")]
    [InlineData("Get-BackupImage", "Test-BackupImage")]
    [InlineData("Get-BackupImage", "Optimize-BackupImage")]
    [InlineData("Get-BackupImage", "Resize-BackupImage")]
    [InlineData("Get-BackupImage", "Compress-BackupImage")]
    [InlineData("Get-BackupImage", "Mount-BackupImage")]
    [InlineData("Mount-BackupImage", "Dismount-BackupImage")]
    public void KnownPipelines_AreRecognisedAsPairs(string upstream, string downstream)
    {
        Assert.Contains(PipelinePairs(), p => p.Upstream == upstream && p.Downstream == downstream);
    }

    /// <summary>Pipelines across noun families that the help pages promise (the pairs found above
    /// stay within one noun), checked the same way.</summary>
    [Theory]
    [InlineData("Get-BackupSnapshot", "PSClone.BackupSnapshot", "Get-BackupImageItem")]
    [InlineData("Get-BackupSnapshot", "PSClone.BackupSnapshot", "Restore-BackupImageItem")]
    [InlineData("Get-BackupImage", "PSClone.BackupImageInfo", "Get-BackupSnapshot")]
    [InlineData("Get-BackupImage", "PSClone.BackupImageInfo", "Set-BackupImagePassphrase")]
    public void DeclaredCrossFamilyPipeline_BindsByPropertyName(string upstream, string pipedType, string downstream)
    {
        Assert.Contains(Engine.GetType(pipedType, throwOnError: true)!, OutputTypesOf(CmdletByName(upstream).Type));
        Pipeline_BindsByPropertyName(upstream, pipedType, downstream);
    }

    [Theory]
    [MemberData(nameof(PipelineData))]
    public void Pipeline_BindsByPropertyName(string upstream, string pipedType, string downstream)
    {
        var piped = Engine.GetType(pipedType, throwOnError: true)!;
        var b = CmdletByName(downstream);
        var parameters = ParametersOf(b.Type);
        var sets = SetsOf(parameters);

        // Every by-property-name parameter that some set requires finds its property on the piped object.
        foreach (var p in parameters.Where(p => p.ByPropertyName && sets.Any(set => MandatoryIn(p, set))))
            Assert.True(p.BindsFrom(piped), $"{upstream} | {downstream}: mandatory -{p.Name} (aliases: {string.Join(", ", p.Aliases)}) binds by property name, but {piped.Name} has no such property");

        // At least one set is complete from the piped object alone: each of its mandatory parameters
        // that takes pipeline input binds by property name and finds its property.
        var complete = sets.Where(set => parameters.Where(p => InSet(p, set) && MandatoryIn(p, set) && FromPipeline(p, set))
            .All(p => p.Sets.Any(s => (s.Set == set || s.Set == AllSets) && s.ByPropertyName) && p.BindsFrom(piped))).ToList();
        Assert.True(complete.Count > 0, $"{upstream} | {downstream}: no parameter set of {downstream} is satisfied by the properties of {piped.Name} " +
            $"(sets: {string.Join(", ", sets)}; properties: {string.Join(", ", piped.GetProperties().Select(p => p.Name))})");
    }
}
