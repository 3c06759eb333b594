using System.Globalization;
using System.Text;

namespace PSClone.Tasks;

/// <summary>The saved tasks of one store, their history and logs. Reads need no lock (every write
/// is a temp file renamed into place); writes take the store lock, an exclusive OS lock on
/// ".lock" that the OS drops if the process dies, so concurrent writers from any number of
/// processes serialize and a crash never leaves the store locked.</summary>
public sealed class TaskStore
{
    /// <summary>Runs kept per task; older entries (and their logs) are dropped.</summary>
    public const int HistoryLimit = 2000;

    private static readonly UTF8Encoding Utf8 = new(false);

    public TaskStore(TaskStoreLocation location) => Location = location;

    /// <summary>The store of a scope: PSCLONE_HOME when set, else the scope's standard folder.</summary>
    public static TaskStore Open(TaskScope scope = TaskScope.CurrentUser) => new(TaskStoreLocation.For(scope));

    public TaskStoreLocation Location { get; }

    /// <summary>Entries kept per task's history (tests lower it).</summary>
    internal int HistoryKeep { get; init; } = HistoryLimit;

    /// <summary>How long a writer waits for another to finish before giving up.</summary>
    internal TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string PathOf(string name) => Path.Combine(Location.TasksFolder, name + ".json");

    // ---- reading ----------------------------------------------------------------------------

    /// <summary>Every task, sorted by name, and every file that could not be loaded.</summary>
    public TaskStoreContents Load()
    {
        var tasks = new List<CloneTask>();
        var problems = new List<TaskFileProblem>();
        string[] files;
        try
        {
            files = Directory.Exists(Location.TasksFolder)
                ? Directory.GetFiles(Location.TasksFolder, "*.json").Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
                : Array.Empty<string>();
        }
        catch (UnauthorizedAccessException ex)
        {
            throw AccessDenied(ex);
        }
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var ids = new Dictionary<Guid, string>();
        foreach (string file in files)
        {
            string fileName = Path.GetFileNameWithoutExtension(file);
            try
            {
                var task = ReadFile(file, fileName);
                if (names.TryGetValue(task.Name, out var first))
                    throw new PSCloneException("DuplicateTaskName", FailureKind.InvalidData,
                        $"The task file '{file}' names task '{task.Name}', which '{first}' already holds (names are compared ignoring case). Remove or rename one of them.", file);
                if (ids.TryGetValue(task.Id, out var sameId))
                    throw new PSCloneException("DuplicateTaskId", FailureKind.InvalidData,
                        $"The task file '{file}' has the id {task.Id}, which '{sameId}' already has (a copied file?). Give it a new id, or remove its \"id\" line to have one derived from its name.", file);
                names[task.Name] = file;
                ids[task.Id] = file;
                tasks.Add(task with { Scope = Location.Scope });
            }
            catch (PSCloneException ex)
            {
                problems.Add(new TaskFileProblem { Name = fileName, Path = file, ErrorId = ex.ErrorId, Message = ex.Message });
            }
        }
        tasks.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name));
        return new TaskStoreContents(tasks, problems);
    }

    private static CloneTask ReadFile(string file, string fileName)
    {
        string text;
        try
        {
            text = File.ReadAllText(file, Utf8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskFileNotReadable", FailureKind.ReadError, $"The task file '{file}' cannot be read: {ex.Message}", file, ex);
        }
        var task = TaskJson.Deserialize(text, file);
        if (!string.Equals(task.Name, fileName, StringComparison.OrdinalIgnoreCase))
            throw new PSCloneException("TaskFileNameMismatch", FailureKind.InvalidData,
                $"The task file '{file}' holds task '{task.Name}'. A task's file is named after it: rename the file to '{task.Name}.json', or set its \"name\" to '{fileName}'.", file);
        if (task.Id == Guid.Empty) task = task with { Id = TaskRules.IdFromName(task.Name) };
        try
        {
            TaskRules.Validate(task);
        }
        catch (PSCloneException ex)
        {
            throw new PSCloneException("TaskFileDamaged", FailureKind.InvalidData, $"The task file '{file}' cannot be used: {ex.Message}", file, ex);
        }
        return task;
    }

    /// <summary>The tasks matching any of <paramref name="patterns"/> (names with wildcards; null or
    /// empty: all). Files that could not be loaded, and literal names that match nothing, are
    /// reported as non-terminating errors; the other tasks are returned regardless.</summary>
    public IReadOnlyList<CloneTask> Find(IReadOnlyList<string>? patterns, IEngineEvents events)
    {
        var contents = Load();
        if (patterns is null || patterns.Count == 0) patterns = ["*"];
        var result = new List<CloneTask>();
        foreach (string pattern in patterns)
        {
            var match = TaskRules.NameMatcher(pattern);
            int found = 0;
            foreach (var task in contents.Tasks.Where(t => match(t.Name)))
            {
                found++;
                if (!result.Any(r => r.Id == task.Id)) result.Add(task);
            }
            foreach (var problem in contents.Problems.Where(p => match(p.Name)))
            {
                found++;
                events.Error(new EngineError(problem.ErrorId, FailureKind.InvalidData, problem.Message, problem.Path, null));
            }
            if (found == 0 && !TaskRules.HasWildcards(pattern))
            {
                var ex = NotFound(pattern);
                events.Error(new EngineError(ex.ErrorId, ex.Kind, ex.Message, pattern, ex));
            }
        }
        return result;
    }

    /// <summary>The task of that name (case-insensitive); throws TaskNotFound, or the load error of its file.</summary>
    public CloneTask Get(string name)
    {
        var contents = Load();
        var task = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
        if (task is not null) return task;
        var problem = contents.Problems.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (problem is not null) throw new PSCloneException(problem.ErrorId, FailureKind.InvalidData, problem.Message, problem.Path);
        throw NotFound(name);
    }

    public CloneTask Get(Guid id) =>
        Load().Tasks.FirstOrDefault(t => t.Id == id)
        ?? throw new PSCloneException("TaskNotFound", FailureKind.ObjectNotFound,
            $"No task in '{Location.TasksFolder}' has the id {id}. List the tasks with Get-CloneTask or 'psclone task list'.", id.ToString());

    /// <summary>The stored version of a task object (a piped object may be stale): by id, else by name.</summary>
    public CloneTask Refresh(CloneTask task) =>
        Load().Tasks.FirstOrDefault(t => t.Id == task.Id) ?? Get(task.Name);

    private PSCloneException NotFound(string name) =>
        new("TaskNotFound", FailureKind.ObjectNotFound,
            $"There is no task named '{name}' in '{Location.TasksFolder}'. List the tasks with Get-CloneTask or 'psclone task list'" +
            (Location.Scope == TaskScope.CurrentUser && Location.IsStandard ? "; machine-wide tasks need -Scope AllUsers (--scope allusers)." : "."), name);

    // ---- writing ----------------------------------------------------------------------------

    /// <summary>Saves a new task: validated, given an id and timestamps. Throws TaskExists when the
    /// name (ignoring case) is taken.</summary>
    public CloneTask Add(CloneTask task)
    {
        TaskRules.Validate(task);
        task = TaskRules.Normalize(task);
        using var _ = Lock();
        var contents = Load();
        if (contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, task.Name, StringComparison.OrdinalIgnoreCase)) is { } existing)
            throw new PSCloneException("TaskExists", FailureKind.ResourceExists,
                $"A task named '{existing.Name}' already exists. Change it with Set-CloneTask ('psclone task set'), or remove it first.", task.Name);
        if (contents.Problems.FirstOrDefault(p => string.Equals(p.Name, task.Name, StringComparison.OrdinalIgnoreCase)) is { } damaged)
            throw new PSCloneException("TaskExists", FailureKind.ResourceExists,
                $"The task file '{damaged.Path}' already stands for '{task.Name}' but cannot be loaded ({damaged.Message}) Fix or remove that file first.", task.Name);
        var now = DateTimeOffset.Now;
        var saved = task with
        {
            Scope = Location.Scope,
            Id = task.Id == Guid.Empty || contents.Tasks.Any(t => t.Id == task.Id) ? Guid.NewGuid() : task.Id,
            Created = task.Created == default ? now : task.Created,
            Modified = now,
        };
        CheckCycles(saved, contents.Tasks);
        Write(saved);
        return saved;
    }

    /// <summary>Changes a task under the store lock (read, change, write), so concurrent changes
    /// never lose each other. Writes nothing when the change changes nothing.</summary>
    public TaskUpdate Update(string name, Func<CloneTask, CloneTask> change)
    {
        using var _ = Lock();
        var contents = Load();
        var current = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? (contents.Problems.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } problem
                ? throw new PSCloneException(problem.ErrorId, FailureKind.InvalidData, problem.Message, problem.Path)
                : throw NotFound(name));
        var changed = TaskRules.Normalize(change(current));
        if (!string.Equals(changed.Name, current.Name, StringComparison.Ordinal) || changed.Id != current.Id)
            throw new PSCloneException("TaskRenameNotSupported", FailureKind.InvalidOperation,
                $"Task '{current.Name}' cannot be renamed or given another id in place. Export it, change the name in the file, import it, and remove the old task.", current.Name);
        changed = changed with { Created = current.Created, Modified = current.Modified, Scope = Location.Scope };
        if (SameContent(changed, current)) return new TaskUpdate(current, Changed: false);
        TaskRules.Validate(changed);
        CheckCycles(changed, contents.Tasks);
        changed = changed with { Modified = DateTimeOffset.Now };
        Write(changed);
        return new TaskUpdate(changed, Changed: true);
    }

    /// <summary>Removes a task's file (even a damaged one), its history and its logs.</summary>
    public void Remove(string name)
    {
        using var _ = Lock();
        var contents = Load();
        var task = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
        string file = task is not null ? PathOf(task.Name)
            : contents.Problems.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Path
              ?? throw NotFound(name);
        try
        {
            File.Delete(file);
            if (task is null) return;
            if (File.Exists(HistoryPath(task))) File.Delete(HistoryPath(task));
            string logs = LogFolder(task);
            if (Directory.Exists(logs)) Directory.Delete(logs, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskStoreWriteFailed", FailureKind.WriteError, $"Task '{name}' could not be removed: {ex.Message}", name, ex);
        }
    }

    /// <summary>Reads a task file written by Export (or by hand) into this store. An existing task of
    /// that name is refused unless <paramref name="replace"/>, which keeps its id, history and
    /// creation time. Where a task is registered with a scheduler does not travel with it.</summary>
    public CloneTask Import(string file, bool replace)
    {
        string text;
        try
        {
            text = File.ReadAllText(file, Utf8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskFileNotReadable", FailureKind.ReadError, $"The file '{file}' cannot be read: {ex.Message}", file, ex);
        }
        var task = TaskJson.Deserialize(text, file);
        if (task.Schedule is { } s) task = task with { Schedule = s with { Scheduler = null } };
        TaskRules.Validate(task);
        task = TaskRules.Normalize(task);
        if (!replace) return Add(task);
        using var _ = Lock();
        var contents = Load();
        var existing = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, task.Name, StringComparison.OrdinalIgnoreCase));
        var now = DateTimeOffset.Now;
        var saved = existing is not null
            ? task with { Name = existing.Name, Id = existing.Id, Created = existing.Created, Modified = now, Schedule = existing.Schedule is { Scheduler: not null } ? existing.Schedule : task.Schedule }
            : task with { Id = task.Id == Guid.Empty || contents.Tasks.Any(t => t.Id == task.Id) ? Guid.NewGuid() : task.Id, Created = task.Created == default ? now : task.Created, Modified = now };
        saved = saved with { Scope = Location.Scope };
        CheckCycles(saved, contents.Tasks);
        Write(saved);
        return saved;
    }

    /// <summary>Writes a task's file to <paramref name="file"/>, without where it is registered (that is
    /// this machine's). Without <paramref name="overwrite"/>, an existing file is refused (TaskExportFileExists).</summary>
    public static void Export(CloneTask task, string file, bool overwrite = true)
    {
        if (task.Schedule is { } s) task = task with { Schedule = s with { Scheduler = null } };
        string full = Path.GetFullPath(file);
        try
        {
            WriteAtomic(full, TaskJson.SerializeToBytes(task), overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            throw new PSCloneException("TaskExportFileExists", FailureKind.ResourceExists,
                $"The file '{full}' already exists; task '{task.Name}' was not exported. Choose another file, or leave out -NoClobber to replace it.", full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskExportFailed", FailureKind.WriteError, $"Task '{task.Name}' could not be written to '{full}': {ex.Message}", full, ex);
        }
    }

    /// <summary>True when two versions of a task would write the same file apart from the modification time.</summary>
    public static bool SameContent(CloneTask a, CloneTask b) =>
        TaskJson.SerializeToBytes(a with { Modified = default }).AsSpan().SequenceEqual(TaskJson.SerializeToBytes(b with { Modified = default }));

    private void CheckCycles(CloneTask changed, IReadOnlyList<CloneTask> all)
    {
        var byName = all.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        byName[changed.Name] = changed;
        var path = new List<string>();
        bool Visit(string name)
        {
            if (path.Count > 0 && string.Equals(name, changed.Name, StringComparison.OrdinalIgnoreCase)) return true;
            if (path.Contains(name, StringComparer.OrdinalIgnoreCase) || !byName.TryGetValue(name, out var task)) return false;
            path.Add(task.Name);
            foreach (var link in task.RunAfter)
            {
                if (Visit(link.Task)) return true;
            }
            path.RemoveAt(path.Count - 1);
            return false;
        }
        if (Visit(changed.Name))
            throw new PSCloneException("RunAfterCycle", FailureKind.InvalidArgument,
                $"Task '{changed.Name}' would run after itself: {string.Join(" -> ", path)} -> {changed.Name}. Remove one of these RunAfter links.", changed.Name);
    }

    private void Write(CloneTask task)
    {
        try
        {
            Directory.CreateDirectory(Location.TasksFolder);
            WriteAtomic(PathOf(task.Name), TaskJson.SerializeToBytes(task));
        }
        catch (UnauthorizedAccessException ex)
        {
            throw AccessDenied(ex);
        }
        catch (IOException ex)
        {
            throw new PSCloneException("TaskStoreWriteFailed", FailureKind.WriteError, $"Task '{task.Name}' could not be saved in '{Location.TasksFolder}': {ex.Message}", task.Name, ex);
        }
    }

    /// <summary>Temp file in the same folder, flushed, renamed over the old one: a reader sees the old
    /// or the new file, never half of one. Without <paramref name="overwrite"/>, an existing file stays
    /// and the rename fails with an IOException.</summary>
    internal static void WriteAtomic(string path, byte[] bytes, bool overwrite = true)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Random.Shared.NextInt64():x16}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private PSCloneException AccessDenied(Exception ex) =>
        new("TaskStoreAccessDenied", FailureKind.PermissionDenied,
            $"The task store '{Location.Root}' cannot be written or read: {ex.Message} " +
            (Location.Scope == TaskScope.AllUsers ? "Machine-wide tasks need an elevated (root/administrator) session." : "Check the folder's permissions."),
            Location.Root, ex);

    /// <summary>Takes the store lock, waiting for another writer to finish.</summary>
    internal IDisposable Lock()
    {
        try
        {
            Directory.CreateDirectory(Location.Root);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw AccessDenied(ex);
        }
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                var stream = new FileStream(Location.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                // Temp files left by a writer that crashed: any present now are stale, since every writer holds this lock.
                foreach (string dir in new[] { Location.TasksFolder, Location.HistoryFolder })
                {
                    if (!Directory.Exists(dir)) continue;
                    foreach (string stale in Directory.GetFiles(dir, ".*.tmp")) File.Delete(stale);
                }
                return stream;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw AccessDenied(ex);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(5, 25));
            }
            catch (IOException ex)
            {
                throw new PSCloneException("TaskStoreBusy", FailureKind.ResourceBusy,
                    $"The task store '{Location.Root}' stayed locked by another PSClone process for {LockTimeout.TotalSeconds:0} s. Try again when it has finished.", Location.Root, ex);
            }
        }
    }

    // ---- history and logs -------------------------------------------------------------------

    public string HistoryPath(CloneTask task) => Path.Combine(Location.HistoryFolder, task.Id.ToString("D") + ".jsonl");

    public string LogFolder(CloneTask task) => Path.Combine(Location.LogsFolder, task.Name);

    /// <summary>Where the audit log of a run starting now goes.</summary>
    public string NewLogPath(CloneTask task, DateTimeOffset start, Guid runId) =>
        Path.Combine(LogFolder(task), start.ToLocalTime().ToString("yyyy-MM-dd'T'HH-mm-ss", CultureInfo.InvariantCulture) + "_" + runId.ToString("N")[..8] + ".log");

    /// <summary>A task's runs, oldest first; with <paramref name="last"/>, only the newest that many.</summary>
    public IReadOnlyList<CloneTaskRun> GetHistory(CloneTask task, int? last = null)
    {
        string path = HistoryPath(task);
        string[] lines;
        try
        {
            if (!File.Exists(path)) return Array.Empty<CloneTaskRun>();
            lines = File.ReadAllLines(path, Utf8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskHistoryNotReadable", FailureKind.ReadError, $"The history of task '{task.Name}' ('{path}') cannot be read: {ex.Message}", task.Name, ex);
        }
        var runs = new List<CloneTaskRun>(lines.Length);
        foreach (string line in lines)
        {
            if (TryParseRun(line) is { } run) runs.Add(run);
        }
        return last is int n && n < runs.Count ? runs.GetRange(runs.Count - n, n) : runs;
    }

    /// <summary>The runs of several tasks as one timeline, oldest first: those with one of
    /// <paramref name="statuses"/> (any, when none are given) that started after <paramref name="after"/>,
    /// and of those only the newest <paramref name="last"/>.</summary>
    public IReadOnlyList<CloneTaskRun> GetHistory(IEnumerable<CloneTask> tasks, int? last, IReadOnlyCollection<CloneStatus>? statuses = null, DateTimeOffset? after = null)
    {
        var runs = tasks.SelectMany(t => GetHistory(t))
            .Where(r => statuses is not { Count: > 0 } || statuses.Contains(r.Status))
            .Where(r => after is null || r.StartTime > after)
            .OrderBy(r => r.StartTime)
            .ToList();
        return last is int n && n < runs.Count ? runs.GetRange(runs.Count - n, n) : runs;
    }

    private static CloneTaskRun? TryParseRun(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            return TaskJson.DeserializeRun(line);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // a line a person broke by hand: the others still count
        }
    }

    /// <summary>Adds a run to its task's history, dropping the oldest (and their logs) past the limit.</summary>
    internal void AppendHistory(CloneTask task, CloneTaskRun run)
    {
        using var _ = Lock();
        string path = HistoryPath(task);
        try
        {
            Directory.CreateDirectory(Location.HistoryFolder);
            var lines = File.Exists(path) ? File.ReadAllLines(path, Utf8).Where(l => l.Length > 0).ToList() : new List<string>();
            lines.Add(TaskJson.SerializeRun(run));
            int drop = lines.Count - HistoryKeep;
            if (drop > 0)
            {
                foreach (string old in lines.Take(drop))
                {
                    if (TryParseRun(old)?.LogPath is { } log && log.StartsWith(Location.LogsFolder, StringComparison.Ordinal)) File.Delete(log);
                }
                lines.RemoveRange(0, drop);
            }
            WriteAtomic(path, Utf8.GetBytes(string.Join("\n", lines) + "\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PSCloneException("TaskHistoryWriteFailed", FailureKind.WriteError, $"The run of task '{task.Name}' could not be added to its history '{path}': {ex.Message}", task.Name, ex);
        }
    }
}

/// <summary>What a store holds: the tasks that loaded, and the files that did not.</summary>
public sealed record TaskStoreContents(IReadOnlyList<CloneTask> Tasks, IReadOnlyList<TaskFileProblem> Problems);

/// <summary>The result of <see cref="TaskStore.Update"/>: the task as stored, and whether anything was written.</summary>
public sealed record TaskUpdate(CloneTask Task, bool Changed);
