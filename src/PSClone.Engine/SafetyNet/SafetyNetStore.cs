using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSClone.Cloning;
using PSClone.Platform;

namespace PSClone.SafetyNet;

/// <summary>One line of a run folder's manifest: an archived item and why it is there.</summary>
internal sealed record ManifestEntry
{
    public required string Path { get; init; }
    public required SafetyNetReason Reason { get; init; }
    public required ItemType Type { get; init; }
    public long Size { get; init; }
    public required DateTimeOffset ArchivedAt { get; init; }
    public DateTimeOffset LastWriteTime { get; init; }

    /// <summary>Where the item sits in the run folder when that differs from <see cref="Path"/>.</summary>
    public string? StoredAs { get; init; }
}

/// <summary>The layout of "_PSClone SafetyNet" at a destination root: one folder per run that
/// archived anything, named by the run's start time, holding the items at their original
/// relative paths and a JSON-lines manifest (written before each move, so it never misses one).</summary>
internal sealed class SafetyNetStore
{
    public const string ManifestName = ".psclone-manifest.jsonl";
    public const string RunNameFormat = "yyyy-MM-dd HH-mm-ss";

    private readonly IFileSystem _fs;

    public SafetyNetStore(string destination, IFileSystem fs)
    {
        Destination = destination;
        Root = destination + "/" + ReservedNames.SafetyNet;
        _fs = fs;
    }

    public string Destination { get; }
    public string Root { get; }

    public sealed record RunFolder(string Name, string Path, DateTimeOffset Started);

    /// <summary>Run folders, oldest first.</summary>
    public IReadOnlyList<RunFolder> ListRuns()
    {
        var entries = new List<FsEntry>();
        try
        {
            if (_fs.TryGetEntry(Root, false) is not { Kind: ItemType.Directory }) return Array.Empty<RunFolder>();
            _fs.ReadDirectory(Root, entries, false, static (_, _) => { });
        }
        catch (PlatformIOException)
        {
            return Array.Empty<RunFolder>();
        }
        var runs = new List<RunFolder>();
        foreach (var e in entries)
        {
            if (e.Kind != ItemType.Directory) continue;
            if (!TryParseRunName(e.Name, out var started)) continue;
            runs.Add(new RunFolder(e.Name, Root + "/" + e.Name, started));
        }
        runs.Sort((a, b) => a.Started != b.Started ? a.Started.CompareTo(b.Started) : string.CompareOrdinal(a.Name, b.Name));
        return runs;
    }

    public static bool TryParseRunName(string name, out DateTimeOffset started)
    {
        started = default;
        string stem = name.Length >= RunNameFormat.Length ? name[..RunNameFormat.Length] : name;
        if (!DateTime.TryParseExact(stem, RunNameFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
            return false;
        started = new DateTimeOffset(local);
        return true;
    }

    public IReadOnlyList<ManifestEntry> ReadManifest(RunFolder run)
    {
        string path = run.Path + "/" + ManifestName;
        var result = new List<ManifestEntry>();
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var entry = JsonSerializer.Deserialize(line, CloneJson.Default.ManifestEntry);
                if (entry is not null) result.Add(entry);
            }
            catch (JsonException)
            {
                // A line torn by a crash: the item it named was not moved yet.
            }
        }
        return result;
    }

    /// <summary>The archived items, newest run first; with <paramref name="recurse"/>, also
    /// everything inside archived folders. Manifest lines whose item is gone are left out.</summary>
    public IEnumerable<SafetyNetItem> ListItems(bool recurse, string? runName = null)
    {
        var runs = ListRuns().Reverse();
        foreach (var run in runs)
        {
            if (runName is not null && !string.Equals(run.Name, runName, StringComparison.Ordinal)) continue;
            foreach (var entry in ReadManifest(run))
            {
                string stored = run.Path + "/" + (entry.StoredAs ?? entry.Path);
                var fsEntry = _fs.TryGetEntry(stored, false);
                if (fsEntry is null) continue;
                yield return new SafetyNetItem
                {
                    Destination = Destination,
                    RunName = run.Name,
                    RelativePath = entry.Path,
                    Reason = entry.Reason,
                    ItemType = fsEntry.Kind,
                    Size = fsEntry.Kind == ItemType.Directory ? FileSystemTrees.Measure(_fs, stored).Bytes : fsEntry.Size,
                    ArchivedAt = entry.ArchivedAt,
                    LastWriteTime = entry.LastWriteTime,
                    ArchivedPath = stored,
                };
                if (recurse && fsEntry.Kind == ItemType.Directory)
                {
                    foreach (var inner in ListInside(run, entry, stored)) yield return inner;
                }
            }
        }
    }

    private IEnumerable<SafetyNetItem> ListInside(RunFolder run, ManifestEntry folder, string storedFolder)
    {
        var stack = new Stack<(string Full, string Rel)>();
        stack.Push((storedFolder, folder.Path));
        var children = new List<FsEntry>();
        while (stack.Count > 0)
        {
            var (full, rel) = stack.Pop();
            children.Clear();
            try { _fs.ReadDirectory(full, children, false, static (_, _) => { }); }
            catch (PlatformIOException) { continue; }
            children.Sort((a, b) => string.CompareOrdinal(b.Name, a.Name));
            foreach (var child in children)
            {
                string childFull = full + "/" + child.Name, childRel = rel + "/" + child.Name;
                yield return new SafetyNetItem
                {
                    Destination = Destination,
                    RunName = run.Name,
                    RelativePath = childRel,
                    Reason = folder.Reason,
                    ItemType = child.Kind,
                    Size = child.Kind == ItemType.Directory ? FileSystemTrees.Measure(_fs, childFull).Bytes : child.Size,
                    ArchivedAt = folder.ArchivedAt,
                    LastWriteTime = DateTimeOffset.FromUnixTimeMilliseconds(child.MTimeNs / 1_000_000),
                    ArchivedPath = childFull,
                };
                if (child.Kind == ItemType.Directory) stack.Push((childFull, childRel));
            }
        }
    }

    public SafetyNetRun Describe(RunFolder run)
    {
        var (bytes, _) = FileSystemTrees.Measure(_fs, run.Path);
        return new SafetyNetRun
        {
            Destination = Destination,
            Name = run.Name,
            Path = run.Path,
            ArchivedAt = run.Started,
            ItemCount = ReadManifest(run).Count,
            Size = bytes,
        };
    }

    /// <summary>Starts the archive of one run; the folder appears with the first archived item.</summary>
    public SafetyNetRunWriter BeginRun(DateTimeOffset started) => new(this, _fs, started);

    /// <summary>Prunes whole run folders by age, by total size (counted from the newest) and by free
    /// space (oldest first); never the run named <paramref name="keep"/>. Returns what was pruned.</summary>
    public IReadOnlyList<SafetyNetRun> Prune(SafetyNetLimits limits, string? keep, CancellationToken cancel)
    {
        var pruned = new List<SafetyNetRun>();
        var runs = ListRuns().Where(r => r.Name != keep).ToList();
        if (runs.Count == 0) return pruned;
        var doomed = new HashSet<string>(StringComparer.Ordinal);
        if (limits.MaxAge is { } maxAge)
        {
            var cutoff = DateTimeOffset.Now - maxAge;
            foreach (var r in runs.Where(r => r.Started < cutoff)) doomed.Add(r.Name);
        }
        if (limits.MaxSizeBytes is { } maxSize)
        {
            long sum = 0;
            bool over = false;
            for (int i = runs.Count - 1; i >= 0; i--)
            {
                if (!over)
                {
                    sum += FileSystemTrees.Measure(_fs, runs[i].Path).Bytes;
                    over = sum > maxSize;
                }
                if (over) doomed.Add(runs[i].Name);
            }
        }
        foreach (var r in runs.Where(r => doomed.Contains(r.Name)))
        {
            pruned.Add(RemoveRun(r, cancel));
        }
        if (limits.MinFreeBytes is { } minFree)
        {
            foreach (var r in runs.Where(r => !doomed.Contains(r.Name)))
            {
                if (_fs.GetAvailableBytes(Destination) >= minFree) break;
                pruned.Add(RemoveRun(r, cancel));
            }
        }
        RemoveRootIfEmpty();
        return pruned;
    }

    public SafetyNetRun RemoveRun(RunFolder run, CancellationToken cancel)
    {
        var described = Describe(run);
        FileSystemTrees.Delete(_fs, run.Path, cancel);
        return described;
    }

    public void RemoveRootIfEmpty()
    {
        try
        {
            var entries = new List<FsEntry>();
            if (_fs.TryGetEntry(Root, false) is not { Kind: ItemType.Directory }) return;
            _fs.ReadDirectory(Root, entries, false, static (_, _) => { });
            if (entries.Count == 0) _fs.DeleteDirectory(Root);
        }
        catch (PlatformIOException)
        {
            // Still in use or not ours to remove: leave it.
        }
    }

    /// <summary>Removes one archived item (a file, or a folder with its contents) and its manifest line.</summary>
    public void RemoveItem(SafetyNetItem item, CancellationToken cancel)
    {
        FileSystemTrees.Delete(_fs, item.ArchivedPath, cancel);
        var run = ListRuns().FirstOrDefault(r => r.Name == item.RunName);
        if (run is null) return;
        var manifest = ReadManifest(run);
        var kept = manifest.Where(e => !(e.Path == item.RelativePath && run.Path + "/" + (e.StoredAs ?? e.Path) == item.ArchivedPath)).ToList();
        if (kept.Count != manifest.Count) RewriteManifest(run, kept);
        PruneEmptyFolders(run.Path, Path.GetDirectoryName(item.ArchivedPath)!);
        var left = new List<FsEntry>();
        _fs.ReadDirectory(run.Path, left, false, static (_, _) => { });
        if (left.All(e => e.Name == ManifestName)) FileSystemTrees.Delete(_fs, run.Path, cancel);
        RemoveRootIfEmpty();
    }

    private void PruneEmptyFolders(string runPath, string folder)
    {
        while (folder.Length > runPath.Length && folder.StartsWith(runPath + "/", StringComparison.Ordinal))
        {
            var left = new List<FsEntry>();
            try
            {
                _fs.ReadDirectory(folder, left, false, static (_, _) => { });
                if (left.Count > 0) return;
                _fs.DeleteDirectory(folder);
            }
            catch (PlatformIOException)
            {
                return;
            }
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private static void RewriteManifest(RunFolder run, IEnumerable<ManifestEntry> entries)
    {
        string path = run.Path + "/" + ManifestName;
        string temp = run.Path + "/" + ReservedNames.NewTempName();
        var sb = new StringBuilder();
        foreach (var e in entries) sb.Append(JsonSerializer.Serialize(e, CloneJson.Default.ManifestEntry)).Append('\n');
        File.WriteAllText(temp, sb.ToString());
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Archives the items of one run into its run folder.</summary>
internal sealed class SafetyNetRunWriter : IDisposable
{
    private readonly SafetyNetStore _store;
    private readonly IFileSystem _fs;
    private readonly DateTimeOffset _started;
    private readonly object _gate = new();
    private FileStream? _manifest;

    public SafetyNetRunWriter(SafetyNetStore store, IFileSystem fs, DateTimeOffset started)
    {
        _store = store;
        _fs = fs;
        _started = started;
    }

    /// <summary>The run folder, once something has been archived.</summary>
    public string? RunPath { get; private set; }
    public string? RunName { get; private set; }
    public long ItemsArchived { get; private set; }

    /// <summary>Moves an item from the destination into this run's folder, at the same relative path.</summary>
    public void Archive(string relativePath, FsEntry existing, SafetyNetReason reason)
    {
        string runPath;
        lock (_gate) runPath = EnsureRunFolder();
        string source = _store.Destination + "/" + relativePath;
        string target = runPath + "/" + relativePath;
        string? storedAs = null;
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        if (_fs.TryGetEntry(target, false) is not null)
        {
            // Archived once already in this run (a resumed run): keep both.
            for (int n = 2; ; n++)
            {
                storedAs = $"{relativePath} ({n})";
                target = runPath + "/" + storedAs;
                if (_fs.TryGetEntry(target, false) is null) break;
            }
        }
        var entry = new ManifestEntry
        {
            Path = relativePath,
            Reason = reason,
            Type = existing.Kind,
            Size = existing.Kind == ItemType.Directory ? 0 : existing.Size,
            ArchivedAt = DateTimeOffset.Now,
            LastWriteTime = DateTimeOffset.FromUnixTimeMilliseconds(existing.MTimeNs / 1_000_000),
            StoredAs = storedAs,
        };
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, CloneJson.Default.ManifestEntry) + "\n");
        lock (_gate)
        {
            _manifest!.Write(line);
            _manifest.Flush();
        }
        _fs.Rename(source, target);
        lock (_gate) ItemsArchived++;
    }

    private string EnsureRunFolder()
    {
        if (RunPath is not null) return RunPath;
        Directory.CreateDirectory(_store.Root);
        string baseName = _started.LocalDateTime.ToString(SafetyNetStore.RunNameFormat, CultureInfo.InvariantCulture);
        for (int n = 1; ; n++)
        {
            string name = n == 1 ? baseName : $"{baseName} ({n})";
            string path = _store.Root + "/" + name;
            try
            {
                _fs.CreateDirectory(path);
            }
            catch (PlatformIOException ex) when (ex.Failure == IOFailure.AlreadyExists)
            {
                continue;
            }
            _fs.ApplyMetadata(path, new FsEntry(name, ItemType.Directory) { Mode = 0x1ED }, MetadataParts.Mode);
            _manifest = new FileStream(path + "/" + SafetyNetStore.ManifestName, FileMode.Append, FileAccess.Write, FileShare.Read);
            RunName = name;
            RunPath = path;
            return path;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _manifest?.Dispose();
            _manifest = null;
        }
    }
}
