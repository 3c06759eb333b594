using System.Text;
using System.Text.RegularExpressions;
using PSClone.Cloning;
using PSClone.Platform;

namespace PSClone;

/// <summary>An item put back from the SafetyNet.</summary>
public sealed record SafetyNetRestoreResult
{
    public required string RelativePath { get; init; }
    public required string RestoredPath { get; init; }
    public required string RunName { get; init; }
    public required ItemType ItemType { get; init; }
    public long Size { get; init; }

    /// <summary>Where the item that was in the way went (its SafetyNet run folder), when -Force replaced one.</summary>
    public string? ReplacedItemArchivedIn { get; init; }

    public override string ToString() => RestoredPath;
}

/// <summary>List, restore, remove and prune what a destination's SafetyNet holds.</summary>
public sealed class SafetyNetManager
{
    private readonly IFileSystem _fs;

    public SafetyNetManager()
        : this(FileSystems.Current)
    {
    }

    internal SafetyNetManager(IFileSystem fs) => _fs = fs;

    private SafetyNet.SafetyNetStore Open(string destination)
    {
        string root = ClonePaths.Normalize(destination);
        if (_fs.TryGetEntry(root, false) is not { Kind: ItemType.Directory })
            throw new PSCloneException("DestinationNotFound", FailureKind.ObjectNotFound,
                $"The destination '{destination}' does not exist or is not a folder. Give the folder a clone was made into.", destination);
        return new SafetyNet.SafetyNetStore(root, _fs);
    }

    /// <summary>The run folders, oldest first.</summary>
    public IReadOnlyList<SafetyNetRun> GetRuns(string destination)
    {
        var store = Open(destination);
        return store.ListRuns().Select(store.Describe).ToList();
    }

    /// <summary>Archived items, newest run first. <paramref name="pathPattern"/> uses PowerShell
    /// wildcards on the relative path (a pattern without '/' also matches the name alone);
    /// <paramref name="recurse"/> also lists what archived folders hold.</summary>
    public IEnumerable<SafetyNetItem> GetItems(string destination, string? pathPattern = null, string? runName = null, bool recurse = false)
    {
        var store = Open(destination);
        var match = pathPattern is null ? null : PathPattern.Create(pathPattern);
        foreach (var item in store.ListItems(recurse, runName))
        {
            if (match is null || match(item.RelativePath)) yield return item;
        }
    }

    /// <summary>One archived item by run and exact relative path (an item inside an archived folder
    /// included); null when the SafetyNet does not hold it.</summary>
    public SafetyNetItem? FindItem(string destination, string runName, string relativePath)
    {
        var store = Open(destination);
        var run = store.ListRuns().FirstOrDefault(r => r.Name == runName);
        if (run is null) return null;
        foreach (var entry in store.ReadManifest(run))
        {
            bool exact = entry.Path == relativePath;
            if (!exact && !relativePath.StartsWith(entry.Path + "/", StringComparison.Ordinal)) continue;
            string stored = run.Path + "/" + (entry.StoredAs ?? entry.Path) + (exact ? "" : relativePath[entry.Path.Length..]);
            var found = _fs.TryGetEntry(stored, false);
            if (found is null) continue;
            return new SafetyNetItem
            {
                Destination = store.Destination,
                RunName = run.Name,
                RelativePath = relativePath,
                Reason = entry.Reason,
                ItemType = found.Kind,
                Size = found.Kind == ItemType.Directory ? FileSystemTrees.Measure(_fs, stored).Bytes : found.Size,
                ArchivedAt = entry.ArchivedAt,
                LastWriteTime = exact ? entry.LastWriteTime : DateTimeOffset.FromUnixTimeMilliseconds(found.MTimeNs / 1_000_000),
                ArchivedPath = stored,
            };
        }
        return null;
    }

    /// <summary>The items a restore by pattern brings back: at any depth, the newest version of each
    /// path, and no item whose folder is restored too.</summary>
    public IReadOnlyList<SafetyNetItem> SelectForRestore(string destination, string pathPattern, string? runName = null)
    {
        var newest = new Dictionary<string, SafetyNetItem>(StringComparer.Ordinal);
        foreach (var item in GetItems(destination, pathPattern, runName, recurse: true))
            newest.TryAdd(item.RelativePath, item);
        return WithoutContentsOfChosenFolders(newest.Values);
    }

    /// <summary>The items a removal by pattern deletes: every version (every run) at any depth, and no
    /// item whose folder in the same run goes too.</summary>
    public IReadOnlyList<SafetyNetItem> SelectForRemoval(string destination, string pathPattern, string? runName = null) =>
        WithoutContentsOfChosenFolders(GetItems(destination, pathPattern, runName, recurse: true).ToList());

    private static IReadOnlyList<SafetyNetItem> WithoutContentsOfChosenFolders(IEnumerable<SafetyNetItem> items)
    {
        var chosen = items.OrderBy(i => i.RunName, StringComparer.Ordinal).ThenBy(i => i.RelativePath, StringComparer.Ordinal).ToList();
        var folders = new HashSet<(string, string)>(chosen.Where(i => i.ItemType == ItemType.Directory).Select(i => (i.RunName, i.RelativePath)));
        return chosen.Where(i => !HasAncestorIn(i.RunName, i.RelativePath, folders)).ToList();
    }

    private static bool HasAncestorIn(string run, string path, HashSet<(string, string)> folders)
    {
        for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (folders.Contains((run, path[..slash]))) return true;
        }
        return false;
    }

    /// <summary>Copies an item back to its original place in the destination, or under
    /// <paramref name="targetRoot"/>. An item in the way is refused unless <paramref name="force"/>;
    /// then, inside the destination, it is first archived into a new SafetyNet run (nothing is lost).</summary>
    public SafetyNetRestoreResult Restore(SafetyNetItem item, string? targetRoot, bool force, CancellationToken cancel)
    {
        using var session = BeginRestore();
        return session.Restore(item, targetRoot, force, cancel);
    }

    /// <summary>A batch of restores: items a restore replaces with -Force all go to one new SafetyNet run,
    /// and the destination stays locked against clones until the session ends.</summary>
    public SafetyNetRestoreSession BeginRestore() => new(_fs);

    /// <summary>Deletes an archived item for good.</summary>
    public void Remove(SafetyNetItem item, CancellationToken cancel)
    {
        var store = Open(item.Destination);
        if (!item.ArchivedPath.StartsWith(store.Root + "/", StringComparison.Ordinal))
            throw new PSCloneException("NotInSafetyNet", FailureKind.InvalidArgument,
                $"'{item.ArchivedPath}' is not inside the SafetyNet of '{item.Destination}'; only SafetyNet items can be removed.", item.ArchivedPath);
        store.RemoveItem(item, cancel);
    }

    /// <summary>Prunes whole runs by the limits (all of them when no limit is given).</summary>
    public IReadOnlyList<SafetyNetRun> Prune(string destination, SafetyNetLimits? limits, CancellationToken cancel)
    {
        var store = Open(destination);
        if (limits is null || (limits.MinFreeBytes is null && limits.MaxAge is null && limits.MaxSizeBytes is null))
        {
            var removed = store.ListRuns().Select(r => store.RemoveRun(r, cancel)).ToList();
            store.RemoveRootIfEmpty();
            return removed;
        }
        return store.Prune(limits, keep: null, cancel);
    }

    /// <summary>Describes, without removing anything, what <see cref="Prune"/> would remove.</summary>
    public IReadOnlyList<SafetyNetRun> GetRunsToPrune(string destination, SafetyNetLimits? limits)
    {
        var store = Open(destination);
        var runs = store.ListRuns();
        if (limits is null || (limits.MinFreeBytes is null && limits.MaxAge is null && limits.MaxSizeBytes is null))
            return runs.Select(store.Describe).ToList();
        var described = runs.Select(store.Describe).ToList();
        var doomed = new List<SafetyNetRun>();
        if (limits.MaxAge is { } age) doomed.AddRange(described.Where(r => r.ArchivedAt < DateTimeOffset.Now - age));
        if (limits.MaxSizeBytes is { } max)
        {
            long sum = 0;
            bool over = false;
            for (int i = described.Count - 1; i >= 0; i--)
            {
                if (!over) over = (sum += described[i].Size) > max;
                if (over && !doomed.Contains(described[i])) doomed.Add(described[i]);
            }
        }
        if (limits.MinFreeBytes is { } minFree)
        {
            long free = _fs.GetAvailableBytes(store.Destination) + doomed.Sum(d => d.Size);
            foreach (var r in described.Where(r => !doomed.Contains(r)))
            {
                if (free >= minFree) break;
                doomed.Add(r);
                free += r.Size;
            }
        }
        return doomed.OrderBy(r => r.ArchivedAt).ToList();
    }
}

/// <summary>Restores in one batch; see <see cref="SafetyNetManager.BeginRestore"/>.</summary>
public sealed class SafetyNetRestoreSession : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly Dictionary<string, (DestinationLock Lock, SafetyNet.SafetyNetRunWriter Writer)> _destinations = new(StringComparer.Ordinal);

    private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);

    internal SafetyNetRestoreSession(IFileSystem fs) => _fs = fs;

    public SafetyNetRestoreResult Restore(SafetyNetItem item, string? targetRoot, bool force, CancellationToken cancel)
    {
        string destination = ClonePaths.Normalize(item.Destination);
        bool intoDestination = targetRoot is null || ClonePaths.SamePath(targetRoot, destination);
        string root = intoDestination ? destination : ClonePaths.Normalize(targetRoot!);
        if (_fs.TryGetEntry(item.ArchivedPath, false) is null)
            throw new PSCloneException("SafetyNetItemNotFound", FailureKind.ObjectNotFound,
                $"'{item.RelativePath}' is no longer in the SafetyNet run '{item.RunName}' (pruned or removed). List the SafetyNet again.", item.RelativePath);
        var entered = intoDestination ? Enter(destination) : default;
        var writer = entered.Writer;
        string target = root + "/" + item.RelativePath;
        string parent = Path.GetDirectoryName(target)!;
        string temp = parent + "/" + ReservedNames.NewTempName();
        string? archivedIn = null;
        long bytes;
        try
        {
            Directory.CreateDirectory(parent);
            var existing = _fs.TryGetEntry(target, false);
            if (existing is not null && !force)
                throw new PSCloneException("RestoreTargetExists", FailureKind.ResourceExists,
                    $"'{target}' already exists. Restore elsewhere with -TargetPath (--to), or use -Force to replace it" +
                    (intoDestination ? " (the current version is moved to the SafetyNet first)." : "."), target);
            if (!_recorded.Contains(destination) && entered.Lock is { } held)
            {
                held.RecordHolder("Restore-SafetyNetItem"); // only now that something changes
                _recorded.Add(destination);
            }
            bytes = FileSystemTrees.Copy(_fs, item.ArchivedPath, temp, cancel);
            if (existing is not null)
            {
                if (writer is not null)
                {
                    writer.Archive(item.RelativePath, existing, SafetyNetReason.Modified);
                    archivedIn = writer.RunPath;
                }
                else
                {
                    FileSystemTrees.Delete(_fs, target, cancel);
                }
            }
            _fs.Rename(temp, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { FileSystemTrees.Delete(_fs, temp, CancellationToken.None); } catch (PlatformIOException) { }
            var error = ItemErrors.From(ex, item.RelativePath, item.ArchivedPath);
            throw new PSCloneException("RestoreFailed", error.Kind, $"'{item.RelativePath}' was not restored: {ex.Message}", item.RelativePath, ex, nothingDone: false);
        }
        catch
        {
            try { FileSystemTrees.Delete(_fs, temp, CancellationToken.None); } catch (PlatformIOException) { }
            throw;
        }
        return new SafetyNetRestoreResult
        {
            RelativePath = item.RelativePath,
            RestoredPath = target,
            RunName = item.RunName,
            ItemType = item.ItemType,
            Size = bytes,
            ReplacedItemArchivedIn = archivedIn,
        };
    }

    /// <summary>Restoring into a destination takes its run lock (no clone may run meanwhile).</summary>
    private (DestinationLock Lock, SafetyNet.SafetyNetRunWriter Writer) Enter(string destination)
    {
        if (_destinations.TryGetValue(destination, out var entered)) return entered;
        var runLock = DestinationLock.Acquire(destination);
        entered = (runLock, new SafetyNet.SafetyNetStore(destination, _fs).BeginRun(DateTimeOffset.Now));
        _destinations[destination] = entered;
        return entered;
    }

    public void Dispose()
    {
        foreach (var (runLock, writer) in _destinations.Values)
        {
            writer.Dispose();
            runLock.Dispose();
        }
        _destinations.Clear();
    }
}

/// <summary>PowerShell-style wildcards (*, ?, [abc]) on relative paths, case-insensitive as -like is;
/// '*' crosses folders, and a pattern without '/' also matches the last name alone.</summary>
internal static class PathPattern
{
    public static Func<string, bool> Create(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '`' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '[':
                    int close = pattern.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    sb.Append('[').Append(pattern[(i + 1)..close].Replace("\\", "\\\\")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        sb.Append('$');
        var regex = new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        bool nameToo = !pattern.Contains('/');
        return path => regex.IsMatch(path) || (nameToo && regex.IsMatch(path[(path.LastIndexOf('/') + 1)..]));
    }
}
