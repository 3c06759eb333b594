namespace PSClone.Tests.Help;

/// <summary>A platyPS v1 (schema 2024-05-01) cmdlet page, read just far enough to compare it with
/// the cmdlet's metadata: front matter, H2 sections in order, the SYNTAX blocks, the EXAMPLES
/// titles, the OUTPUTS types and each parameter's yaml block.</summary>
internal sealed class HelpPage
{
    private HelpPage(string path)
    {
        Path = path;
    }

    public string Path { get; }
    public Dictionary<string, string> FrontMatter { get; } = new(StringComparer.Ordinal);
    public List<string> Sections { get; } = new();

    /// <summary>SYNTAX: parameter-set heading (as written, e.g. "Path (Default)") to the code block.</summary>
    public Dictionary<string, string> Syntax { get; } = new(StringComparer.Ordinal);

    /// <summary>PARAMETERS: "-Name" to its yaml block; CommonParameters is left out.</summary>
    public Dictionary<string, ParameterYaml> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>The H3 headings under EXAMPLES, INPUTS and OUTPUTS.</summary>
    public List<string> Examples { get; } = new();
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();

    public static HelpPage Load(string path)
    {
        var page = new HelpPage(path);
        var lines = File.ReadAllLines(path);
        int i = 0;
        if (lines.Length > 0 && lines[0] == "---")
        {
            for (i = 1; i < lines.Length && lines[i] != "---"; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon > 0) page.FrontMatter[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
            }
            i++;
        }

        string? section = null, heading = null;
        bool inFence = false;
        string fenceInfo = "";
        var fence = new List<string>();
        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (!inFence)
                {
                    inFence = true;
                    fenceInfo = line[3..].Trim();
                    fence.Clear();
                }
                else
                {
                    inFence = false;
                    page.TakeFence(section, heading, fenceInfo, string.Join('\n', fence));
                }
                continue;
            }
            if (inFence)
            {
                fence.Add(line);
                continue;
            }
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim();
                heading = null;
                page.Sections.Add(section);
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                heading = line[4..].Trim();
                switch (section)
                {
                    case "EXAMPLES": page.Examples.Add(heading); break;
                    case "INPUTS": page.Inputs.Add(heading); break;
                    case "OUTPUTS": page.Outputs.Add(heading); break;
                    case "PARAMETERS" when heading.StartsWith('-'): page.Parameters[heading] = ParameterYaml.Missing; break;
                }
            }
        }
        return page;
    }

    private void TakeFence(string? section, string? heading, string info, string text)
    {
        if (heading is null) return;
        if (section == "SYNTAX") Syntax[heading] = text;
        else if (section == "PARAMETERS" && heading.StartsWith('-') && info == "yaml") Parameters[heading] = ParameterYaml.Parse(text);
    }
}

/// <summary>The yaml block of one parameter in the platyPS v1 schema.</summary>
internal sealed class ParameterYaml
{
    public static readonly ParameterYaml Missing = new();

    public Dictionary<string, string> Scalars { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);
    public List<Dictionary<string, string>> ParameterSets { get; } = new();
    public bool IsMissing => ReferenceEquals(this, Missing);

    public string Scalar(string key) => Scalars.TryGetValue(key, out var v) ? v : "";
    public List<string> List(string key) => Lists.TryGetValue(key, out var v) ? v : new List<string>();

    /// <summary>Reads the fixed shape platyPS writes: top-level "Key: value", "Key: []", or
    /// "Key:" followed by "- item" lines; ParameterSets items are maps ("- Name: x" then "  Key: v").</summary>
    public static ParameterYaml Parse(string text)
    {
        var yaml = new ParameterYaml();
        string? listKey = null;
        Dictionary<string, string>? map = null;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.Length == 0) continue;
            if (line.StartsWith("- ", StringComparison.Ordinal) && listKey is not null)
            {
                string item = line[2..].Trim();
                if (listKey == "ParameterSets")
                {
                    map = new Dictionary<string, string>(StringComparer.Ordinal);
                    yaml.ParameterSets.Add(map);
                    AddPair(map, item);
                }
                else
                {
                    yaml.Lists[listKey].Add(item);
                }
                continue;
            }
            if (line.StartsWith("  ", StringComparison.Ordinal) && map is not null)
            {
                AddPair(map, line.Trim());
                continue;
            }
            map = null;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (value.Length == 0 || value == "[]")
            {
                listKey = key;
                yaml.Lists[key] = new List<string>();
            }
            else
            {
                listKey = null;
                yaml.Scalars[key] = value;
            }
        }
        return yaml;
    }

    private static void AddPair(Dictionary<string, string> map, string pair)
    {
        int colon = pair.IndexOf(':');
        if (colon > 0) map[pair[..colon].Trim()] = pair[(colon + 1)..].Trim();
    }
}
