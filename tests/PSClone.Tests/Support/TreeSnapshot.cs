using System.Security.Cryptography;
using System.Text;

namespace PSClone.Tests.Support;

/// <summary>Everything about one item that a write would change: type, mode, owner, size, mtime,
/// change time and inode (so even a rewrite with the same content and mtime shows), link target, content.</summary>
public sealed record SnapshotItem(
    ItemType Type, uint Mode, uint Uid, uint Gid, long Size, long MTimeNs, long CTimeNs, ulong Inode, uint NLink,
    string? LinkTarget, string? ContentHash);

/// <summary>An exact picture of a tree, the root folder and PSClone's own files included, for
/// "nothing changed" assertions (lstat semantics: links are never followed).</summary>
public sealed class TreeSnapshot
{
    private static readonly PSClone.Platform.LinuxFileSystem Fs = new();

    /// <summary>The lock file records who holds it; a run that is refused after taking the lock
    /// rewrites it (see the lock-file test). Compared by identity, not content, unless asked.</summary>
    public const string LockFile = ".psclone.lock";

    private TreeSnapshot(string root, SortedDictionary<string, SnapshotItem> items)
    {
        Root = root;
        Items = items;
    }

    public string Root { get; }
    public SortedDictionary<string, SnapshotItem> Items { get; }

    /// <summary>Reads the tree at <paramref name="root"/>; an absent root is an empty snapshot.</summary>
    public static TreeSnapshot Take(string root)
    {
        var items = new SortedDictionary<string, SnapshotItem>(StringComparer.Ordinal);
        if (Directory.Exists(root) || File.Exists(root)) Add(root, ".", items);
        return new TreeSnapshot(root, items);
    }

    private static void Add(string full, string relative, SortedDictionary<string, SnapshotItem> items)
    {
        var e = Fs.TryGetEntry(full, withXattrs: false) ?? throw new FileNotFoundException(full);
        string? hash = e.Kind == ItemType.File ? Hash(full) : null;
        items[relative] = new SnapshotItem(e.Kind, e.Mode, e.Uid, e.Gid,
            e.Kind == ItemType.Directory ? 0 : e.Size, e.MTimeNs, e.CTimeNs, e.Inode, e.LinkCount, e.LinkTarget, hash);
        if (e.Kind != ItemType.Directory) return;
        var options = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, IgnoreInaccessible = false };
        foreach (var child in Directory.EnumerateFileSystemEntries(full, "*", options).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(child);
            Add(child, relative == "." ? name : relative + "/" + name, items);
        }
    }

    private static string Hash(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (UnauthorizedAccessException)
        {
            return "unreadable";
        }
    }

    /// <summary>Human-readable differences; "" when equal. Without <paramref name="lockContentToo"/>
    /// the lock file's content, size and times are not compared (its existence and inode are).</summary>
    public string Diff(TreeSnapshot after, bool lockContentToo = false)
    {
        var sb = new StringBuilder();
        foreach (var (path, was) in Items)
        {
            if (!after.Items.TryGetValue(path, out var now))
            {
                sb.AppendLine($"removed: {path}");
                continue;
            }
            var (a, b) = (was, now);
            if (path == LockFile && !lockContentToo)
            {
                a = a with { Size = 0, MTimeNs = 0, CTimeNs = 0, ContentHash = null };
                b = b with { Size = 0, MTimeNs = 0, CTimeNs = 0, ContentHash = null };
            }
            if (a != b) sb.AppendLine($"changed: {path}\n  was {a}\n  now {b}");
        }
        foreach (var path in after.Items.Keys.Where(p => !Items.ContainsKey(p))) sb.AppendLine($"added: {path}");
        return sb.ToString();
    }

    /// <summary>Relative paths of regular files (PSClone's own files and SafetyNet left out) with their content hash.</summary>
    public SortedDictionary<string, string> UserFiles()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, item) in Items)
        {
            if (item.Type != ItemType.File || IsPSCloneOwn(path)) continue;
            files[path] = item.ContentHash!;
        }
        return files;
    }

    /// <summary>The marker, the lock, temp files and the SafetyNet folder.</summary>
    public static bool IsPSCloneOwn(string relativePath)
    {
        string first = relativePath.Split('/')[0];
        string name = Path.GetFileName(relativePath);
        return first is ".psclone" or LockFile or "_PSClone SafetyNet" || IsTempName(name);
    }

    /// <summary>The engine's temp names: ".psclone-" + 16 hex digits + ".tmp".</summary>
    public static bool IsTempName(string name) =>
        name.Length == ".psclone-".Length + 16 + ".tmp".Length
        && name.StartsWith(".psclone-", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal)
        && name[".psclone-".Length..^".tmp".Length].All(Uri.IsHexDigit);
}
