using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using PSClone.Tasks;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Tasks;

public sealed class TaskStoreTests : IDisposable
{
    private readonly TempDir _dir = new("store");
    private readonly TaskStore _store;

    public TaskStoreTests() => _store = new TaskStore(TaskStoreLocation.At(_dir["home"]));

    public void Dispose() => _dir.Dispose();

    internal static CloneTask Sample(string name = "Nightly", string root = "/data") => new()
    {
        Name = name,
        Source = root + "/src",
        Destination = root + "/dst",
    };

    private static CloneTask Everything() => new()
    {
        Name = "Full.Task_1",
        Description = "every setting",
        Source = "/home/ann",
        Destination = "/mnt/backup/ann",
        SafetyNet = SafetyNetMode.KeepAll,
        ProtectRootItems = false,
        Include = ["docs/", "*.txt"],
        Exclude = ["*.tmp", "**/node_modules"],
        FilterFile = "/etc/psclone/filters.txt",
        Checksum = true,
        Verify = true,
        Force = true,
        MaxDelete = 100,
        MaxDeletePercent = 12.5,
        SafetyNetMinFree = 5L << 30,
        SafetyNetMaxAge = TimeSpan.FromDays(30),
        SafetyNetMaxSize = 100L << 30,
        AutoAdjust = false,
        RetryCount = 5,
        RetryDelay = TimeSpan.FromSeconds(3),
        Durable = true,
        Parallelism = 3,
        Retention = new CloneTaskRetention { KeepLast = 3, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 },
        PreScript = "/usr/local/bin/pre.sh",
        PostScript = "/usr/local/bin/post.sh",
        ScriptTimeout = TimeSpan.FromMinutes(5),
        RunAfter = [new CloneTaskLink { Task = "Other" }, new CloneTaskLink { Task = "Report", When = RunAfterCondition.Always }],
        Notification = new CloneTaskNotification { Webhook = "https://hooks.example.org/x?token=1", On = NotifyOn.Always, Timeout = TimeSpan.FromSeconds(4) },
        Schedule = CloneTaskSchedule.Weekly(new TimeSpan(2, 30, 0), DayOfWeek.Monday, DayOfWeek.Thursday),
    };

    [Fact]
    public void RoundTrip_KeepsEverySetting_InAHumanReadableVersionedFile()
    {
        var saved = _store.Add(Everything());
        var loaded = _store.Get("full.task_1");

        Assert.NotEqual(Guid.Empty, saved.Id);
        Assert.Equal(TaskJson.Serialize(saved), TaskJson.Serialize(loaded));
        Assert.Equal(["docs/", "*.txt"], loaded.Include);
        Assert.Equal(RunAfterCondition.Always, loaded.RunAfter[1].When);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Thursday], loaded.Schedule!.DaysOfWeek);

        string text = File.ReadAllText(_store.PathOf("Full.Task_1"));
        Assert.StartsWith("{\n  \"schemaVersion\": 1,\n  \"name\": \"Full.Task_1\",", text.Replace("\r\n", "\n"));
        Assert.Contains("\"safetyNet\": \"KeepAll\"", text);
        Assert.Contains("\"safetyNetMaxAge\": \"30.00:00:00\"", text);
        Assert.Contains("\"when\": \"Always\"", text);
        // The request a run gets carries the same options.
        var request = loaded.ToRequest();
        Assert.Equal(5L << 30, request.SafetyNetLimits.MinFreeBytes);
        Assert.Equal("Full.Task_1", request.TaskName);
        Assert.Equal(TaskJson.Serialize(loaded), TaskJson.Serialize(loaded.WithRequest(request)));
    }

    [Fact]
    public void HandWrittenFile_WithReadableSizesAndAgesAndNoId_Loads()
    {
        Directory.CreateDirectory(_store.Location.TasksFolder);
        File.WriteAllText(_store.PathOf("Photos"), """
            {
              // written by hand for Intune
              "schemaVersion": 1,
              "name": "Photos",
              "source": "/srv/photos/",
              "destination": "/mnt/nas/photos",
              "safetyNetMinFree": "10GB",
              "safetyNetMaxAge": "2w",
              "exclude": ["*.tmp"],
            }
            """);
        var task = _store.Get("Photos");

        Assert.Equal(10L << 30, task.SafetyNetMinFree);
        Assert.Equal(TimeSpan.FromDays(14), task.SafetyNetMaxAge);
        Assert.Equal(TaskRules.IdFromName("Photos"), task.Id);
        Assert.Equal(TaskRules.IdFromName("PHOTOS"), task.Id);
        Assert.Equal(SafetyNetMode.On, task.SafetyNet);
        Assert.Equal(50, task.MaxDeletePercent);
    }

    [Fact]
    public void NewerSchemaVersion_IsRefusedByName_AndOtherTasksLoad()
    {
        _store.Add(Sample("Good"));
        File.WriteAllText(_store.PathOf("Future"), """{ "schemaVersion": 2, "name": "Future", "source": "/a", "destination": "/b" }""");
        File.WriteAllText(_store.PathOf("NoVersion"), """{ "name": "NoVersion", "source": "/a", "destination": "/b" }""");

        var contents = _store.Load();

        Assert.Equal(["Good"], contents.Tasks.Select(t => t.Name));
        var future = Assert.Single(contents.Problems, p => p.Name == "Future");
        Assert.Equal("TaskFileNewerVersion", future.ErrorId);
        Assert.Contains("schema version 2", future.Message);
        var none = Assert.Single(contents.Problems, p => p.Name == "NoVersion");
        Assert.Equal("TaskFileDamaged", none.ErrorId);
        Assert.Contains("schemaVersion", none.Message);
    }

    [Fact]
    public void CorruptFiles_AreReportedByName_WhileTheOthersLoad()
    {
        _store.Add(Sample("Alpha"));
        _store.Add(Sample("Omega"));
        File.WriteAllText(_store.PathOf("Broken"), "{ \"schemaVersion\": 1, \"name\": \"Broken\", \"source\": ");
        File.WriteAllText(_store.PathOf("Typo"), """{ "schemaVersion": 1, "name": "Typo", "source": "/a", "destination": "/b", "exlude": ["x"] }""");
        File.WriteAllText(_store.PathOf("Relative"), """{ "schemaVersion": 1, "name": "Relative", "source": "data", "destination": "/b" }""");
        File.WriteAllText(_store.PathOf("Other"), """{ "schemaVersion": 1, "name": "Mismatch", "source": "/a", "destination": "/b" }""");
        File.WriteAllText(_store.PathOf("BadEnum"), """{ "schemaVersion": 1, "name": "BadEnum", "source": "/a", "destination": "/b", "safetyNet": "Sometimes" }""");

        var contents = _store.Load();

        Assert.Equal(["Alpha", "Omega"], contents.Tasks.Select(t => t.Name));
        Assert.Equal(["BadEnum", "Broken", "Other", "Relative", "Typo"], contents.Problems.Select(p => p.Name).Order());
        Assert.Contains("exlude", contents.Problems.Single(p => p.Name == "Typo").Message);
        Assert.Contains("not an absolute path", contents.Problems.Single(p => p.Name == "Relative").Message);
        Assert.Equal("TaskFileNameMismatch", contents.Problems.Single(p => p.Name == "Other").ErrorId);
        Assert.All(contents.Problems, p => Assert.Contains(p.Path, p.Message));

        // Asking for it by name gives its own error, not "not found"; the store still writes.
        var ex = Assert.Throws<PSCloneException>(() => _store.Get("broken"));
        Assert.Equal("TaskFileDamaged", ex.ErrorId);
        var events = new RecordingEvents();
        var found = _store.Find(["*"], events);
        Assert.Equal(2, found.Count);
        Assert.Equal(5, events.Errors.Count);
        _store.Add(Sample("Gamma"));
        _store.Remove("Broken");
        Assert.False(File.Exists(_store.PathOf("Broken")));
    }

    [Fact]
    public void DuplicateNames_AreRefused_IgnoringCase()
    {
        _store.Add(Sample("Nightly"));
        var ex = Assert.Throws<PSCloneException>(() => _store.Add(Sample("NIGHTLY", "/other")));
        Assert.Equal("TaskExists", ex.ErrorId);
        Assert.Single(_store.Load().Tasks);
        Assert.Equal("/data/src", _store.Get("nightly").Source);

        // Two files that differ only in case (possible on Linux) load once, and the second is reported.
        File.Copy(_store.PathOf("Nightly"), _store.PathOf("nightly"));
        var contents = _store.Load();
        Assert.Single(contents.Tasks);
        Assert.Equal("DuplicateTaskName", Assert.Single(contents.Problems).ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("slash/name")]
    [InlineData("-leading")]
    [InlineData("trailing.")]
    [InlineData("star*")]
    [InlineData("CON")]
    [InlineData("nul.backup")]
    [InlineData("ÜberTask")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234x")]
    public void InvalidNames_AreRefused(string name)
    {
        var ex = Assert.Throws<PSCloneException>(() => _store.Add(Sample(name)));
        Assert.Equal("InvalidTaskName", ex.ErrorId);
        Assert.False(Directory.Exists(_store.Location.TasksFolder) && Directory.GetFiles(_store.Location.TasksFolder).Length > 0);
    }

    [Theory]
    [InlineData("relative/src", "/dst", "InvalidTaskPath")]
    [InlineData("/src", "/dst", "InvalidWebhook", "ftp://example.org/")]
    [InlineData("/src", "/dst", "InvalidMaxDeletePercent", null, 120.0)]
    public void InvalidSettings_AreRefusedWithTheirErrorId(string source, string destination, string errorId, string? webhook = null, double maxDeletePercent = 50)
    {
        var task = Sample("T") with
        {
            Source = source,
            Destination = destination,
            MaxDeletePercent = maxDeletePercent,
            Notification = webhook is null ? null : new CloneTaskNotification { Webhook = webhook },
        };
        Assert.Equal(errorId, Assert.Throws<PSCloneException>(() => _store.Add(task)).ErrorId);
    }

    [Fact]
    public void Paths_AreStoredInOneSpelling()
    {
        var saved = _store.Add(Sample("T") with { Source = "/data/src/", Destination = "/data/x/../dst" });
        Assert.Equal("/data/src", saved.Source);
        Assert.Equal("/data/dst", saved.Destination);
    }

    [Fact]
    public void RunAfterCycles_AreRefused()
    {
        _store.Add(Sample("A") with { RunAfter = [new CloneTaskLink { Task = "B" }] });
        _store.Add(Sample("B") with { RunAfter = [new CloneTaskLink { Task = "C" }] });
        var ex = Assert.Throws<PSCloneException>(() => _store.Add(Sample("C") with { RunAfter = [new CloneTaskLink { Task = "a", When = RunAfterCondition.Always }] }));
        Assert.Equal("RunAfterCycle", ex.ErrorId);
        Assert.Contains("C -> A -> B -> C", ex.Message);
        Assert.Equal("RunAfterCycle", Assert.Throws<PSCloneException>(() => _store.Add(Sample("Self") with { RunAfter = [new CloneTaskLink { Task = "self" }] })).ErrorId);
    }

    [Fact]
    public void UpdateThatChangesNothing_WritesNothing()
    {
        _store.Add(Sample("T"));
        string path = _store.PathOf("T");
        var mtime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, mtime);
        byte[] before = File.ReadAllBytes(path);
        ulong inode = PSClone.Platform.FileSystems.Current.TryGetEntry(path, false)!.Inode;

        var update = _store.Update("t", t => t with { Exclude = [] , SafetyNetMinFree = SafetyNetLimits.DefaultMinFreeBytes });

        Assert.False(update.Changed);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(path));
        Assert.Equal(inode, PSClone.Platform.FileSystems.Current.TryGetEntry(path, false)!.Inode);

        var changed = _store.Update("T", t => t with { Verify = true });
        Assert.True(changed.Changed);
        Assert.True(_store.Get("T").Verify);
        Assert.True(changed.Task.Modified > _store.Get("T").Created || changed.Task.Modified == _store.Get("T").Modified);
    }

    [Fact]
    public async Task ConcurrentWriters_InThreads_NeverLoseAnUpdate()
    {
        _store.Add(Sample("Counter") with { RetryCount = 0 });
        const int threads = 8, rounds = 25;
        // Each thread has its own store object, as separate processes would: only the file lock serializes them.
        var workers = Enumerable.Range(0, threads).Select(i => Task.Run(() =>
        {
            var store = new TaskStore(_store.Location);
            store.Add(Sample($"T{i}"));
            for (int r = 0; r < rounds; r++) store.Update("Counter", t => t with { RetryCount = t.RetryCount + 1 });
        })).ToArray();
        await Task.WhenAll(workers);

        var contents = _store.Load();
        Assert.Empty(contents.Problems);
        Assert.Equal(threads * rounds, contents.Tasks.Single(t => t.Name == "Counter").RetryCount);
        Assert.Equal(threads + 1, contents.Tasks.Count);
        Assert.Empty(Directory.GetFiles(_store.Location.TasksFolder, ".*"));
    }

    [Fact]
    public void ConcurrentAddsOfOneName_ExactlyOneWins()
    {
        var results = Enumerable.Range(0, 6).AsParallel().WithDegreeOfParallelism(6).Select(i =>
        {
            try
            {
                new TaskStore(_store.Location).Add(Sample("Same", $"/root{i}"));
                return "added";
            }
            catch (PSCloneException ex)
            {
                return ex.ErrorId;
            }
        }).ToList();
        Assert.Equal(1, results.Count(r => r == "added"));
        Assert.Equal(5, results.Count(r => r == "TaskExists"));
    }

    [Fact]
    public void History_KeepsTheNewestRuns_AndDropsTheLogsOfOlderOnes()
    {
        var store = new TaskStore(_store.Location) { HistoryKeep = 3 };
        var task = store.Add(Sample("H"));
        var logs = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i);
            string log = store.NewLogPath(task, start, Guid.NewGuid());
            Directory.CreateDirectory(Path.GetDirectoryName(log)!);
            File.WriteAllText(log, "x");
            logs.Add(log);
            store.AppendHistory(task, HistoryRuns.Make(task, start, CloneStatus.Success) with { LogPath = log });
        }

        var history = store.GetHistory(task);
        Assert.Equal([2, 3, 4], history.Select(r => r.StartTime.Day - 1));
        Assert.Equal([false, false, true, true, true], logs.Select(File.Exists));
        Assert.Equal([4], store.GetHistory(task, last: 1).Select(r => r.StartTime.Day - 1));
        Assert.Equal(2000, TaskStore.HistoryLimit);
        Assert.Equal(TaskStore.HistoryLimit, _store.HistoryKeep);
    }

    [Fact]
    public void ConcurrentHistoryAppends_AllArrive()
    {
        var task = _store.Add(Sample("H"));
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            new TaskStore(_store.Location).AppendHistory(task, HistoryRuns.Make(task, DateTimeOffset.Now, CloneStatus.Success)));
        Assert.Equal(40, _store.GetHistory(task).Select(r => r.RunId).Distinct().Count());
    }

    [Fact]
    public void Remove_DeletesTheTaskItsHistoryAndLogs()
    {
        var task = _store.Add(Sample("Gone"));
        _store.AppendHistory(task, HistoryRuns.Make(task, DateTimeOffset.Now, CloneStatus.Success));
        Directory.CreateDirectory(_store.LogFolder(task));
        _store.Remove("gone");
        Assert.False(File.Exists(_store.PathOf("Gone")));
        Assert.False(File.Exists(_store.HistoryPath(task)));
        Assert.False(Directory.Exists(_store.LogFolder(task)));
        Assert.Equal("TaskNotFound", Assert.Throws<PSCloneException>(() => _store.Remove("Gone")).ErrorId);
    }

    [Fact]
    public void ExportImport_MovesATaskBetweenStores_WithoutItsRegistration()
    {
        var task = _store.Add(Sample("Move") with { Schedule = CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)) with { Scheduler = SchedulerKind.Systemd } });
        string file = _dir["export/move.json"];
        Directory.CreateDirectory(_dir["export"]);
        TaskStore.Export(task, file);
        Assert.Null(JsonNode.Parse(File.ReadAllText(file))!["schedule"]!["scheduler"]);

        var other = new TaskStore(TaskStoreLocation.At(_dir["other"]));
        var imported = other.Import(file, replace: false);
        Assert.Equal(task.Id, imported.Id);
        Assert.Equal(CloneScheduleKind.Daily, imported.Schedule!.Kind);
        Assert.Null(imported.Schedule.Scheduler);
        Assert.Equal("TaskExists", Assert.Throws<PSCloneException>(() => other.Import(file, replace: false)).ErrorId);

        other.Update("Move", t => t with { Verify = true });
        var replaced = other.Import(file, replace: true);
        Assert.False(replaced.Verify);
        Assert.Equal(imported.Id, replaced.Id);
        Assert.Equal(imported.Created, replaced.Created);
    }

    [Theory]
    [InlineData("Linux", "CurrentUser", null, null, "/home/ann/.config/psclone", true)]
    [InlineData("Linux", "CurrentUser", null, "/xdg", "/xdg/psclone", false)]
    [InlineData("Linux", "CurrentUser", null, "relative", "/home/ann/.config/psclone", true)]
    [InlineData("Linux", "AllUsers", null, "/xdg", "/etc/psclone", true)]
    [InlineData("Linux", "AllUsers", "/custom/home", null, "/custom/home", false)]
    [InlineData("OSX", "CurrentUser", null, null, "/home/ann/Library/Application Support/PSClone", true)]
    [InlineData("OSX", "AllUsers", null, null, "/Library/Application Support/PSClone", true)]
    [InlineData("Windows", "CurrentUser", null, null, @"C:\Users\ann\AppData\Roaming\PSClone", true)]
    [InlineData("Windows", "AllUsers", null, null, @"D:\ProgramData\PSClone", true)]
    public void StoreLocation_FollowsEachPlatformsConvention(string os, string scope, string? home, string? xdg, string expected, bool standard)
    {
        var env = new Dictionary<string, string?>
        {
            ["PSCLONE_HOME"] = home,
            ["XDG_CONFIG_HOME"] = xdg,
            ["APPDATA"] = @"C:\Users\ann\AppData\Roaming",
            ["ProgramData"] = @"D:\ProgramData",
        };
        var location = TaskStoreLocation.Resolve(Enum.Parse<TaskScope>(scope), k => env.GetValueOrDefault(k), OSPlatform.Create(os.ToUpperInvariant()), "/home/ann");
        Assert.Equal(expected, location.Root);
        Assert.Equal(standard, location.IsStandard);
    }

    [Theory]
    [InlineData("Night*", "Nightly", true)]
    [InlineData("night?y", "Nightly", true)]
    [InlineData("[mn]ightly", "Nightly", true)]
    [InlineData("*.nas", "photos.NAS", true)]
    [InlineData("Night", "Nightly", false)]
    [InlineData("a.b", "aXb", false)]
    public void NamePatterns_ArePowerShellWildcards(string pattern, string name, bool matches) =>
        Assert.Equal(matches, TaskRules.NameMatcher(pattern)(name));
}
