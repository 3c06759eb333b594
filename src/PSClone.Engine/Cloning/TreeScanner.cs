using System.Text.RegularExpressions;
using PSClone.Platform;

namespace PSClone.Cloning;

/// <summary>Names PSClone keeps for itself at a destination root, and its temp-file pattern.</summary>
internal static partial class ReservedNames
{
    public const string Marker = ".psclone";
    public const string Lock = ".psclone.lock";
    public const string SafetyNet = "_PSClone SafetyNet";

    public static bool IsReservedAtRoot(string name) =>
        name is Marker or Lock or SafetyNet || name.StartsWith(Marker + ".", StringComparison.Ordinal);

    /// <summary>Temp files are ".psclone-" + 16 hex digits + ".tmp", in the folder of the item they replace.</summary>
    public static string NewTempName() => $".psclone-{Random.Shared.NextInt64():x16}.tmp";

    [GeneratedRegex(@"^\.psclone-[0-9a-f]{16}\.tmp$", RegexOptions.CultureInvariant)]
    public static partial Regex TempPattern();
}

/// <summary>How to scan: filters, which side (the destination collects temp files), a folder to leave out.
/// Extended attributes are not read here: the comparison reads them where it needs them.</summary>
internal sealed record ScanOptions(PathFilter Filter, bool IsDestination, string? SkipPath);

internal sealed class ScanResult(FsEntry root)
{
    public FsEntry Root { get; } = root;
    public long Count { get; set; }
    public List<string> TempFiles { get; } = new();
    public List<string> ReservedSkipped { get; } = new();
}

/// <summary>Reads a whole tree (lstat semantics, filters applied) into memory, children sorted by
/// ordinal name so source and destination merge in one pass.</summary>
internal sealed class TreeScanner
{
    private readonly IFileSystem _fs;
    private readonly ScanOptions _options;
    private readonly Action<string, string, Exception> _onError;
    private readonly CancellationToken _cancel;
    private readonly List<FsEntry> _buffer = new();

    private TreeScanner(IFileSystem fs, ScanOptions options, Action<string, string, Exception> onError, CancellationToken cancel)
    {
        _fs = fs;
        _options = options;
        _onError = onError;
        _cancel = cancel;
    }

    /// <summary>Scans <paramref name="root"/>; errors on single entries go to <paramref name="onError"/>
    /// (relative path, full path, exception) and leave the entry out.</summary>
    public static ScanResult Scan(IFileSystem fs, string root, FsEntry rootEntry, ScanOptions options,
        Action<string, string, Exception> onError, CancellationToken cancel)
    {
        var scanner = new TreeScanner(fs, options, onError, cancel);
        var result = new ScanResult(rootEntry);
        rootEntry.Selected = !options.Filter.HasIncludes;
        scanner.ScanFolder(rootEntry, root, "", result);
        return result;
    }

    private static readonly Comparison<FsEntry> ByName = (a, b) => string.CompareOrdinal(a.Name, b.Name);

    private void ScanFolder(FsEntry folder, string fullPath, string relPrefix, ScanResult result)
    {
        _cancel.ThrowIfCancellationRequested();
        _buffer.Clear();
        try
        {
            _fs.ReadDirectory(fullPath, _buffer, withXattrs: false, (path, ex) => _onError(RelativeOf(path, fullPath, relPrefix), path, ex));
        }
        catch (PlatformIOException ex)
        {
            _onError(relPrefix.TrimEnd('/'), fullPath, ex);
            folder.Children = null;
            folder.Unreadable = true;
            return;
        }
        var children = new List<FsEntry>(_buffer.Count);
        bool atRoot = relPrefix.Length == 0;
        foreach (var entry in _buffer)
        {
            if (atRoot && ReservedNames.IsReservedAtRoot(entry.Name))
            {
                result.ReservedSkipped.Add(entry.Name);
                continue;
            }
            if (entry.Kind == ItemType.File && ReservedNames.TempPattern().IsMatch(entry.Name))
            {
                if (_options.IsDestination) result.TempFiles.Add(fullPath + "/" + entry.Name);
                continue;
            }
            string rel = relPrefix + entry.Name;
            bool isDir = entry.Kind == ItemType.Directory;
            if (isDir && _options.SkipPath is not null && string.Equals(fullPath + "/" + entry.Name, _options.SkipPath, StringComparison.Ordinal))
                continue;
            if (_options.Filter.IsExcluded(rel, isDir)) continue;
            entry.Selected = folder.Selected || _options.Filter.IsIncluded(rel, isDir);
            children.Add(entry);
        }
        children.Sort(ByName);
        folder.Children = children;
        result.Count += children.Count;
        foreach (var child in children)
        {
            if (child.Kind != ItemType.Directory) continue;
            ScanFolder(child, fullPath + "/" + child.Name, relPrefix + child.Name + "/", result);
        }
        if (!_options.IsDestination && _options.Filter.HasIncludes)
        {
            // A source folder outside the includes stays only to hold included items.
            int removed = children.RemoveAll(c => !c.Selected && (c.Kind != ItemType.Directory || c.Children is not { Count: > 0 }));
            result.Count -= removed;
        }
    }

    private static string RelativeOf(string path, string folderFull, string relPrefix) =>
        path.StartsWith(folderFull + "/", StringComparison.Ordinal) ? relPrefix + path[(folderFull.Length + 1)..] : path;
}
