using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace PSClone.Cloning;

/// <summary>Include and exclude globs relative to the source root, gitignore-like: "*.tmp" matches
/// at any depth, "cache/" only folders, "/build" or "docs/*.md" only from the root, "**" any number
/// of folders. An excluded folder excludes all it holds. With include patterns, only items that
/// match one (or sit inside a folder that matches one) are cloned. Excluded items on the destination
/// are left alone, as rsync leaves excluded files when deleting.</summary>
public sealed class PathFilter
{
    private readonly List<Glob> _excludes = new();
    private readonly List<Glob> _includes = new();
    private readonly List<string> _patterns = new();

    public static readonly PathFilter None = new(Array.Empty<string>(), Array.Empty<string>(), null);

    public PathFilter(IEnumerable<string> include, IEnumerable<string> exclude, string? filterFile)
    {
        foreach (var p in include) Add(_includes, p, p);
        foreach (var p in exclude) Add(_excludes, p, p);
        if (filterFile is not null) ReadFilterFile(filterFile);
    }

    public bool HasIncludes => _includes.Count > 0;
    public bool IsEmpty => _includes.Count == 0 && _excludes.Count == 0;

    /// <summary>Identifies the rules: a destination remembers under which rules it was last complete.</summary>
    public string Signature => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", _patterns))))[..16];

    private void ReadFilterFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("FilterFileNotReadable", FailureKind.ObjectNotFound,
                $"The filter file '{path}' cannot be read: {ex.Message}. Check the path, or leave out the filter file.", path, ex);
        }
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string where = $"{path}:{i + 1}";
            if (line.StartsWith("+ ", StringComparison.Ordinal)) Add(_includes, line[2..].Trim(), where);
            else if (line.StartsWith("- ", StringComparison.Ordinal)) Add(_excludes, line[2..].Trim(), where);
            else Add(_excludes, line, where);
        }
    }

    private void Add(List<Glob> into, string pattern, string where)
    {
        _patterns.Add((into == _includes ? "+ " : "- ") + pattern);
        if (string.IsNullOrWhiteSpace(pattern))
            throw new PSCloneException("InvalidFilter", FailureKind.InvalidArgument,
                $"An empty filter pattern was given ({where}). Remove it, or write a pattern such as *.tmp or cache/.", where);
        try
        {
            into.Add(Glob.Parse(pattern.Trim()));
        }
        catch (ArgumentException ex)
        {
            throw new PSCloneException("InvalidFilter", FailureKind.InvalidArgument,
                $"The filter pattern '{pattern}' ({where}) is not valid: {ex.Message}", pattern, ex);
        }
    }

    /// <summary>True when the item is excluded (and, for a folder, everything in it).</summary>
    public bool IsExcluded(string relativePath, bool isDirectory)
    {
        foreach (var g in _excludes)
        {
            if (g.IsMatch(relativePath, isDirectory)) return true;
        }
        return false;
    }

    /// <summary>True when an include pattern names this item (a folder named so brings all it holds).</summary>
    public bool IsIncluded(string relativePath, bool isDirectory)
    {
        foreach (var g in _includes)
        {
            if (g.IsMatch(relativePath, isDirectory)) return true;
        }
        return false;
    }

    private sealed class Glob
    {
        private static readonly RegexOptions Options = RegexOptions.CultureInvariant
            | (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? RegexOptions.IgnoreCase : RegexOptions.None);

        private readonly Regex _regex;
        private readonly bool _directoryOnly;

        private Glob(Regex regex, bool directoryOnly)
        {
            _regex = regex;
            _directoryOnly = directoryOnly;
        }

        public bool IsMatch(string path, bool isDirectory) => (!_directoryOnly || isDirectory) && _regex.IsMatch(path);

        public static Glob Parse(string pattern)
        {
            string p = pattern.Replace('\\', '/');
            bool dirOnly = p.EndsWith('/');
            p = p.TrimEnd('/');
            if (p.Length == 0) throw new ArgumentException("a pattern of only '/' matches nothing");
            bool anchored = p.StartsWith('/') || p.Contains('/');
            p = p.TrimStart('/');
            var sb = new StringBuilder("^");
            if (!anchored) sb.Append("(?:.*/)?");
            for (int i = 0; i < p.Length; i++)
            {
                char c = p[i];
                if (c == '*')
                {
                    bool dbl = i + 1 < p.Length && p[i + 1] == '*';
                    if (dbl)
                    {
                        bool atStart = i == 0 || p[i - 1] == '/';
                        bool slashAfter = i + 2 < p.Length && p[i + 2] == '/';
                        bool atEnd = i + 2 == p.Length;
                        if (atStart && slashAfter)
                        {
                            sb.Append("(?:.*/)?");
                            i += 2;
                        }
                        else if (atStart && atEnd)
                        {
                            sb.Append(".*");
                            i += 1;
                        }
                        else
                        {
                            sb.Append("[^/]*");
                            i += 1;
                        }
                    }
                    else
                    {
                        sb.Append("[^/]*");
                    }
                }
                else if (c == '?')
                {
                    sb.Append("[^/]");
                }
                else if (c == '[')
                {
                    int close = i + 2 < p.Length ? p.IndexOf(']', i + 2) : -1;
                    if (close < 0) throw new ArgumentException("a '[' has no closing ']'; write '[[]' for a literal '['");
                    string body = p[(i + 1)..close];
                    bool negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    sb.Append('[').Append(negate ? "^/" : "").Append(body.Replace("\\", "\\\\")).Append(']');
                    i = close;
                }
                else
                {
                    sb.Append(Regex.Escape(c.ToString()));
                }
            }
            sb.Append('$');
            return new Glob(new Regex(sb.ToString(), Options), dirOnly);
        }
    }
}
