using System.Security.Cryptography;
using System.Text;
using PSClone.Platform;

namespace PSClone.Tests.Support;

/// <summary>Everything a clone must reproduce about one item.</summary>
public sealed record ItemState(
    ItemType Type, uint Mode, long Size, long MTimeNs, uint Uid, uint Gid, string? LinkTarget,
    string? ContentHash, string Xattrs, int LinkGroup, bool Sparse, ulong Inode)
{
    /// <summary>The comparable part (no inode numbers, which differ between trees).</summary>
    public string Describe(bool withDirTimes = true) =>
        $"{Type} mode={Convert.ToString(Mode, 8)} size={(Type == ItemType.Directory ? 0 : Size)} " +
        $"mtime={(Type == ItemType.Directory && !withDirTimes ? 0 : MTimeNs)} owner={Uid}:{Gid} link={LinkTarget} " +
        $"hash={ContentHash} xattrs={Xattrs} group={LinkGroup} sparse={Sparse}";
}

/// <summary>A snapshot of a tree (lstat semantics) for exact comparisons between trees.</summary>
public sealed class TreeState
{
    private static readonly IFileSystem Fs = new LinuxFileSystem();

    public SortedDictionary<string, ItemState> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads a tree; names in <paramref name="skipAtRoot"/> (and PSClone's own files) are left out.</summary>
    public static TreeState Read(string root, bool includeReserved = false, params string[] skipAtRoot)
    {
        var state = new TreeState();
        var groups = new Dictionary<(ulong, ulong), int>();
        var linkCounts = new Dictionary<(ulong, ulong), int>();
        var all = new List<(string Rel, FsEntry Entry)>();
        void Walk(string dir, string prefix)
        {
            var children = new List<FsEntry>();
            Fs.ReadDirectory(dir, children, withXattrs: true, (p, ex) => throw ex);
            foreach (var c in children.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (prefix.Length == 0 && (skipAtRoot.Contains(c.Name)
                    || (!includeReserved && (c.Name.StartsWith(".psclone", StringComparison.Ordinal) || c.Name == "_PSClone SafetyNet"))))
                    continue;
                string rel = prefix + c.Name;
                all.Add((rel, c));
                if (c.Kind == ItemType.File)
                {
                    var key = (c.Device, c.Inode);
                    linkCounts[key] = linkCounts.GetValueOrDefault(key) + 1;
                }
                if (c.Kind == ItemType.Directory) Walk(dir + "/" + c.Name, rel + "/");
            }
        }
        Walk(root, "");
        foreach (var (rel, e) in all)
        {
            int group = 0;
            if (e.Kind == ItemType.File && linkCounts[(e.Device, e.Inode)] > 1)
            {
                var key = (e.Device, e.Inode);
                if (!groups.TryGetValue(key, out group)) groups[key] = group = groups.Count + 1;
            }
            string? hash = e.Kind == ItemType.File ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(root + "/" + rel)))[..16] : null;
            string xattrs = e.Xattrs is null ? "" : string.Join(";", e.Xattrs.Items.Select(x => x.Key + "=" + Encoding.UTF8.GetString(x.Value)));
            state.Items[rel] = new ItemState(e.Kind, e.Mode, e.Size, e.MTimeNs, e.Uid, e.Gid, e.LinkTarget, hash, xattrs, group, e.IsSparse, e.Inode);
        }
        return state;
    }

    /// <summary>Human-readable differences ("" when the trees match).</summary>
    public static string Diff(TreeState expected, TreeState actual, bool withDirTimes = true, bool withSparse = true)
    {
        var sb = new StringBuilder();
        foreach (var (path, e) in expected.Items)
        {
            if (!actual.Items.TryGetValue(path, out var a)) sb.AppendLine($"missing: {path}");
            else
            {
                string de = e.Describe(withDirTimes), da = a.Describe(withDirTimes);
                if (!withSparse)
                {
                    de = de.Replace(" sparse=True", " sparse=False");
                    da = da.Replace(" sparse=True", " sparse=False");
                }
                if (de != da) sb.AppendLine($"differs: {path}\n  want {de}\n  got  {da}");
            }
        }
        foreach (var path in actual.Items.Keys.Where(p => !expected.Items.ContainsKey(p))) sb.AppendLine($"extra: {path}");
        return sb.ToString();
    }
}
