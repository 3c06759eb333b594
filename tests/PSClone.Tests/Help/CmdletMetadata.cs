using System.Collections.ObjectModel;
using System.Reflection;

namespace PSClone.Tests.Help;

/// <summary>What a cmdlet class declares, read from attribute metadata. PowerShellStandard.Library
/// is a reference assembly: attribute instances come back with default values, so everything here
/// goes through <see cref="MemberInfo.GetCustomAttributesData"/>.</summary>
internal sealed record CmdletMetadata(
    Type Type,
    string Name,
    bool SupportsShouldProcess,
    string? DefaultParameterSetName,
    IReadOnlyList<ParameterMetadata> Parameters,
    IReadOnlyList<Type> OutputTypes)
{
    public const string AllSets = "__AllParameterSets";

    public static Assembly ModuleAssembly => typeof(PSClone.Commands.PSCloneCmdlet).Assembly;

    /// <summary>Every concrete class in the module assembly that carries [Cmdlet].</summary>
    public static IReadOnlyList<CmdletMetadata> All() => ModuleAssembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && Attribute(t, "CmdletAttribute") is not null)
        .Select(Read)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static CmdletMetadata Read(Type type)
    {
        var cmdlet = Attribute(type, "CmdletAttribute")!;
        string name = $"{cmdlet.ConstructorArguments[0].Value}-{cmdlet.ConstructorArguments[1].Value}";
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(ParameterMetadata.TryRead)
            .OfType<ParameterMetadata>()
            .ToList();
        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.Name == "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : new[] { arg.Value })
            .OfType<Type>()
            .ToList();
        return new CmdletMetadata(type, name,
            Named(cmdlet, "SupportsShouldProcess") is true,
            Named(cmdlet, "DefaultParameterSetName") as string,
            parameters, outputs);
    }

    /// <summary>The parameter sets the cmdlet defines; a cmdlet without named sets has only __AllParameterSets.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.Name).Where(n => n != AllSets).Distinct().ToList();
            return named.Count == 0 ? new[] { AllSets } : named;
        }
    }

    /// <summary>The parameters usable in one set (those declared for all sets included).</summary>
    public IEnumerable<ParameterMetadata> InSet(string set) =>
        Parameters.Where(p => p.Sets.Any(s => s.Name == set || s.Name == AllSets));

    internal static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    internal static object? Named(CustomAttributeData data, string name) =>
        data.NamedArguments.FirstOrDefault(n => n.MemberName == name).TypedValue.Value;
}

/// <summary>One [Parameter] property: its type, aliases, wildcard support and one entry per set.</summary>
internal sealed record ParameterMetadata(string Name, Type Type, IReadOnlyList<string> Aliases, bool SupportsWildcards,
    IReadOnlyList<ParameterSetMetadata> Sets)
{
    public bool IsSwitch => Type.FullName == "System.Management.Automation.SwitchParameter";

    public static ParameterMetadata? TryRead(PropertyInfo property)
    {
        var data = property.GetCustomAttributesData();
        var sets = data.Where(a => a.AttributeType.Name == "ParameterAttribute")
            .Select(a => new ParameterSetMetadata(
                CmdletMetadata.Named(a, "ParameterSetName") as string ?? CmdletMetadata.AllSets,
                CmdletMetadata.Named(a, "Position") as int? ?? int.MinValue,
                CmdletMetadata.Named(a, "Mandatory") is true,
                CmdletMetadata.Named(a, "ValueFromPipeline") is true,
                CmdletMetadata.Named(a, "ValueFromPipelineByPropertyName") is true,
                CmdletMetadata.Named(a, "ValueFromRemainingArguments") is true))
            .ToList();
        if (sets.Count == 0) return null;
        var aliases = data.Where(a => a.AttributeType.Name == "AliasAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => (string)m.Value!) : new[] { (string)arg.Value! })
            .ToList();
        bool wildcards = data.Any(a => a.AttributeType.Name == "SupportsWildcardsAttribute");
        return new ParameterMetadata(property.Name, property.PropertyType, aliases, wildcards, sets);
    }

    /// <summary>The type as platyPS writes it in a parameter's yaml: the full name, and a generic type
    /// as "System.Nullable`1[System.Int32]" (without the assembly-qualified arguments of FullName).</summary>
    public string HelpTypeName =>
        Type.IsGenericType
            ? $"{Type.GetGenericTypeDefinition().FullName}[{string.Join(",", Type.GetGenericArguments().Select(a => a.FullName))}]"
            : Type.FullName!;

    /// <summary>The type as PowerShell 7 writes it in a syntax line: "string", "string[]", "long",
    /// "SafetyNetMode"; a nullable type as its underlying type ("int" for int?).</summary>
    public string SyntaxTypeName
    {
        get
        {
            var t = Type.IsArray ? Type.GetElementType()! : Nullable.GetUnderlyingType(Type) ?? Type;
            string name = t.FullName switch
            {
                "System.String" => "string",
                "System.Int32" => "int",
                "System.Int64" => "long",
                "System.Double" => "double",
                "System.Boolean" => "bool",
                "System.TimeSpan" => "timespan",
                "System.DateTime" => "datetime",
                _ => t.Name,
            };
            return Type.IsArray ? name + "[]" : name;
        }
    }
}

internal sealed record ParameterSetMetadata(string Name, int Position, bool Mandatory, bool ValueFromPipeline,
    bool ValueFromPipelineByPropertyName, bool ValueFromRemainingArguments)
{
    public bool IsPositional => Position != int.MinValue;
}
