namespace PSClone.Cli;

/// <summary>Bad command-line usage: exit 2 with a message that says what to type instead.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed arguments of one command: positionals, option values and flags.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = new();

    public bool Flag(string name) => _flags.Contains(name);
    public string? Value(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;
    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var v) ? v : Array.Empty<string>();

    internal void AddFlag(string name) => _flags.Add(name);

    internal void AddValue(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list)) _values[name] = list = new();
        list.Add(value);
    }
}

/// <summary>A small declarative parser: "--name VALUE", "--name=VALUE", repeated options, flags,
/// and "--" to end options (for paths that start with a dash).</summary>
internal sealed class CommandSpec
{
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    public CommandSpec(string usage, int minPositionals, int maxPositionals)
    {
        Usage = usage;
        MinPositionals = minPositionals;
        MaxPositionals = maxPositionals;
    }

    public string Usage { get; }
    public int MinPositionals { get; }
    public int MaxPositionals { get; }

    public CommandSpec Flags(params string[] names)
    {
        foreach (var n in names) _flags.Add(n);
        return this;
    }

    public CommandSpec Options(params string[] names)
    {
        foreach (var n in names) _valued.Add(n);
        return this;
    }

    public CommandSpec Alias(string alias, string name)
    {
        _aliases[alias] = name;
        return this;
    }

    public Arguments Parse(IReadOnlyList<string> args)
    {
        var result = new Arguments();
        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                result.Positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }
            string name = arg, value = "";
            bool inline = false;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
                inline = true;
            }
            if (_aliases.TryGetValue(name, out var real)) name = real;
            if (_flags.Contains(name))
            {
                if (inline) throw new UsageException($"{name} takes no value.\n{Usage}");
                result.AddFlag(name);
            }
            else if (_valued.Contains(name))
            {
                if (!inline)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"{name} needs a value.\n{Usage}");
                    value = args[++i];
                }
                result.AddValue(name, value);
            }
            else
            {
                throw new UsageException($"Unknown option {arg}.\n{Usage}");
            }
        }
        if (result.Positionals.Count < MinPositionals || result.Positionals.Count > MaxPositionals)
            throw new UsageException((result.Positionals.Count < MinPositionals ? "Missing arguments." : $"Unexpected argument '{result.Positionals[MaxPositionals]}'.") + "\n" + Usage);
        return result;
    }
}
