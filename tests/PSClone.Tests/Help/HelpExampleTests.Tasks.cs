using System.Text.Json.Nodes;
using System.Xml.Linq;
using PSClone.Cloning;
using PSClone.Tasks;
using PSClone.Tests.Support;
using PSClone.Tests.Tasks;
using Xunit;

namespace PSClone.Tests.Help;

/// <summary>The examples of the task cmdlets' pages, through the engine calls the cmdlets make
/// (docs/tasks-design.md names them) or through psclone where an exit code is the point.</summary>
public sealed partial class HelpExampleTests
{
    // ---------------------------------------------------------------- New-CloneTask

    [Fact]
    public void NewCloneTask_Example1_SavesAVersionedHumanReadableTaskFile()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("Documents").File("a.txt", "a");
        var saved = store.Add(new CloneTask { Name = "Nightly", Source = src.Root + "/", Destination = _dir.Path("backup/Documents") }
            .WithRequest(new CloneRequest { Source = src.Root + "/", Destination = _dir.Path("backup/Documents"), Exclude = ["*.tmp", "cache/"], Verify = true }));

        string file = Path.Combine(_dir.Path("home"), "tasks", "Nightly.json");
        Assert.Equal(file, store.PathOf("Nightly"));
        string text = File.ReadAllText(file);
        Assert.StartsWith("{\n  \"schemaVersion\": 1,\n  \"name\": \"Nightly\",", text.Replace("\r\n", "\n"), StringComparison.Ordinal);
        var json = JsonNode.Parse(text)!;
        Assert.Equal(src.Root, (string?)json["source"]); // one spelling: no trailing separator
        Assert.Equal(["*.tmp", "cache/"], json["exclude"]!.AsArray().Select(e => (string?)e));
        Assert.True((bool)json["verify"]!);
        Assert.Equal("On", (string?)json["safetyNet"]);
        Assert.Equal(saved.Id, Guid.Parse((string)json["id"]!));
        Assert.Equal(TaskScope.CurrentUser, saved.Scope);
    }

    [Fact]
    public void NewCloneTask_Example2_OneTaskPerCsvRow_ADuplicateNameIsRefusedAndTheOthersAreCreated()
    {
        var store = TaskStoreAt("machine", TaskScope.AllUsers);
        var rows = new[] { ("Docs", "/srv/docs", "/mnt/nas/docs"), ("Mail", "/srv/mail", "/mnt/nas/mail"), ("docs", "/srv/docs2", "/mnt/nas/docs2"), ("Photos", "/srv/photos", "/mnt/nas/photos") };
        var refused = new List<string>();
        foreach (var (name, source, destination) in rows)
        {
            try
            {
                store.Add(new CloneTask { Name = name, Source = source, Destination = destination, SafetyNet = SafetyNetMode.Off });
            }
            catch (PSCloneException ex)
            {
                refused.Add($"{name} {ex.ErrorId} {ex.Kind}");
            }
        }
        Assert.Equal(["docs TaskExists ResourceExists"], refused);
        var tasks = store.Load().Tasks;
        Assert.Equal(["Docs", "Mail", "Photos"], tasks.Select(t => t.Name));
        Assert.All(tasks, t => Assert.Equal((SafetyNetMode.Off, TaskScope.AllUsers), (t.SafetyNet, t.Scope)));
        Assert.Equal("/srv/docs", tasks[0].Source);
    }

    [Fact]
    public void NewCloneTask_Example3_AFailedPreScriptSkipsTheRunAndTheAlwaysChainStillRuns()
    {
        var store = TaskStoreAt("home");
        var photos = _dir.Tree("srv/photos").File("a.jpg", "a");
        _dir.Tree("srv/reports").File("r.txt", "r");
        string mount = ExampleScript("mount-nas.sh", "exit 1"); // the NAS is not there
        store.Add(Task("Report", _dir.Path("srv/reports"), _dir.Path("report-copy")));
        var task = store.Add(Task("Photos", photos.Root, _dir.Path("nas-photos")) with
        {
            PreScript = mount,
            RunAfter = [new CloneTaskLink { Task = "Report", When = RunAfterCondition.Always }],
        });

        var events = new RecordingEvents();
        var runs = new TaskRunner(store).Run(task, events, CancellationToken.None);

        Assert.Equal(["Photos Skipped 1", "Report Success "], runs.Select(r => $"{r.TaskName} {r.Status} {r.PreScriptExitCode}"));
        Assert.False(Directory.Exists(_dir.Path("nas-photos")), "a skipped run touches nothing");
        Assert.Contains(events.Warnings, w => w.Contains("exited with code 1", StringComparison.Ordinal));
        Assert.True(File.Exists(_dir.Path("report-copy/r.txt")));
    }

    // ---------------------------------------------------------------- Get-CloneTask

    [Fact]
    public void GetCloneTask_Example1_ListsEveryTaskByName()
    {
        var store = TaskStoreAt("home");
        foreach (string name in new[] { "Weekly", "Nightly-Photos", "nightly-docs" }) store.Add(Task(name, "/srv/" + name, "/mnt/" + name));
        var events = new RecordingEvents();
        Assert.Equal(["nightly-docs", "Nightly-Photos", "Weekly"], store.Find(null, events).Select(t => t.Name));
        Assert.Empty(events.Errors);
    }

    [Fact]
    public void GetCloneTask_Example2_WildcardsMatchIgnoringCase_ADamagedFileIsAnErrorAndTheOthersAreListed()
    {
        var store = TaskStoreAt("home");
        foreach (string name in new[] { "Nightly-Docs", "Nightly-Photos", "Weekly" }) store.Add(Task(name, "/srv/" + name, "/mnt/" + name));
        File.WriteAllText(store.PathOf("Nightly-Mail"), "{ \"schemaVersion\": 1, \"name\": \"Nightly-Mail\", ");

        var events = new RecordingEvents();
        var found = store.Find(["nightly*", "Nightly-Music"], events);

        Assert.Equal(["Nightly-Docs", "Nightly-Photos"], found.Select(t => t.Name));
        Assert.Equal([("TaskFileDamaged", store.PathOf("Nightly-Mail")), ("TaskNotFound", "Nightly-Music")],
            events.Errors.Select(e => (e.ErrorId, e.Target)));
    }

    [Fact]
    public void GetCloneTask_Example3_AMachineWideTaskIsFoundByItsIdAndKnowsItsScope()
    {
        var machine = TaskStoreAt("machine", TaskScope.AllUsers);
        var user = TaskStoreAt("home");
        var task = machine.Add(Task("Servers", "/srv", "/mnt/backup/srv"));
        user.Add(Task("Servers", "/home/ann", "/mnt/ann"));

        var found = machine.Get(task.Id);
        Assert.Equal(("Servers", "/srv", TaskScope.AllUsers), (found.Name, found.Source, found.Scope));
        var missing = Assert.Throws<PSCloneException>(() => user.Get(task.Id));
        Assert.Equal("TaskNotFound", missing.ErrorId);
    }

    // ---------------------------------------------------------------- Set-CloneTask

    [Fact]
    public void SetCloneTask_Example1_ChangesOnlyTheOptionsGiven()
    {
        var store = TaskStoreAt("home");
        var before = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data") with { Verify = true, Exclude = ["*.tmp"], MaxDelete = 100 });

        var update = store.Update("Nightly", t => t.WithRequest(t.ToRequest() with { Checksum = true, Exclude = ["*.iso"] }));

        Assert.True(update.Changed);
        var after = store.Get("Nightly");
        Assert.Equal((true, true, 100, "*.iso"), (after.Checksum, after.Verify, after.MaxDelete, Assert.Single(after.Exclude)));
        Assert.Equal((before.Id, before.Source, before.Created), (after.Id, after.Source, after.Created));
    }

    [Fact]
    public void SetCloneTask_Example2_SettingWhatIsAlreadySetWritesNothing()
    {
        var store = TaskStoreAt("home");
        store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data") with { Checksum = true });
        string file = store.PathOf("Nightly");
        var time = new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, time);
        byte[] bytes = File.ReadAllBytes(file);

        var update = store.Update("Nightly", t => t.WithRequest(t.ToRequest() with { Checksum = true, Destination = "/mnt/backup/data/" }));

        Assert.False(update.Changed);
        Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(time, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public void SetCloneTask_Example3_NullRemovesALimitAndAFalseSwitchTurnsItOff()
    {
        var store = TaskStoreAt("home");
        store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data") with { MaxDelete = 500, Verify = true, SafetyNetMaxSize = 100L << 30 });

        store.Update("Nightly", t => t.WithRequest(t.ToRequest() with
        {
            MaxDelete = null,                                                   // -MaxDelete $null
            Verify = false,                                                     // -Verify:$false
            SafetyNetLimits = t.ToRequest().SafetyNetLimits with { MaxSizeBytes = null }, // -SafetyNetMaxSize $null
        }));

        var json = JsonNode.Parse(File.ReadAllText(store.PathOf("Nightly")))!;
        Assert.Null(json["maxDelete"]);
        Assert.False((bool)json["verify"]!);
        Assert.Null(json["safetyNetMaxSize"]);
        Assert.Equal(0L, (long)json["safetyNetMinFree"]!); // not given: kept
    }

    [Fact]
    public void SetCloneTask_Example4_PipedTasksAreEachChanged()
    {
        var store = TaskStoreAt("home");
        foreach (string name in new[] { "Nightly-Docs", "Nightly-Photos", "Weekly" }) store.Add(Task(name, "/srv/" + name, "/mnt/" + name));

        foreach (var piped in store.Find(["Nightly*"], new RecordingEvents()))
            store.Update(store.Refresh(piped).Name, t => t with { SafetyNetMaxAge = Age.Parse("30d", "-SafetyNetMaxAge") });

        Assert.Equal([("Nightly-Docs", TimeSpan.FromDays(30)), ("Nightly-Photos", TimeSpan.FromDays(30)), ("Weekly", (TimeSpan?)null)],
            store.Load().Tasks.Select(t => (t.Name, t.SafetyNetMaxAge)));
    }

    // ---------------------------------------------------------------- Remove-CloneTask

    [Fact]
    public void RemoveCloneTask_Example1_RemovesTheTaskWithItsHistoryAndLogs()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("laptop").File("a.txt", "a");
        var task = store.Add(Task("Old-Laptop", src.Root, _dir.Path("old-laptop-backup")));
        var run = Assert.Single(new TaskRunner(store).Run(task, new RecordingEvents(), CancellationToken.None));
        Assert.True(File.Exists(run.LogPath));
        Assert.True(File.Exists(store.HistoryPath(task)));

        new TaskSchedules(store, SchedulerEnv()).RemoveTask(store.Get("Old-Laptop"), new RecordingEvents());

        Assert.False(File.Exists(store.PathOf("Old-Laptop")));
        Assert.False(File.Exists(store.HistoryPath(task)));
        Assert.False(Directory.Exists(store.LogFolder(task)));
        Assert.True(File.Exists(_dir.Path("old-laptop-backup/a.txt")), "the clone itself stays");
    }

    [Fact]
    public void RemoveCloneTask_Example2_AScheduledTaskLosesItsTimerFirst()
    {
        var store = TaskStoreAt("home");
        var env = SchedulerEnv();
        var schedules = new TaskSchedules(store, env);
        var task = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data"));
        schedules.Register(task, CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)), SchedulerKind.Systemd, TaskLauncher.PowerShell("/usr/bin/pwsh"), new RecordingEvents());
        string timer = Path.Combine(env.SystemdUserFolder, "psclone-Nightly.timer");
        Assert.True(File.Exists(timer));

        schedules.RemoveTask(store.Get("Nightly"), new RecordingEvents());

        Assert.False(File.Exists(timer));
        Assert.False(File.Exists(Path.Combine(env.SystemdUserFolder, "psclone-Nightly.service")));
        Assert.Contains("systemctl --user disable --now psclone-Nightly.timer", ToolCalls());
        Assert.False(File.Exists(store.PathOf("Nightly")));
    }

    [Fact]
    public void RemoveCloneTask_Example3_ADamagedTaskFileCanBeRemovedByName()
    {
        var store = TaskStoreAt("home");
        store.Add(Task("Good", "/srv/good", "/mnt/good"));
        File.WriteAllText(store.PathOf("Broken"), "not json");
        var problem = Assert.Single(store.Load().Problems);
        Assert.Equal(("Broken", "TaskFileDamaged"), (problem.Name, problem.ErrorId));

        store.Remove("Broken");

        Assert.False(File.Exists(store.PathOf("Broken")));
        Assert.Empty(store.Load().Problems);
        Assert.Equal(["Good"], store.Load().Tasks.Select(t => t.Name));
    }

    // ---------------------------------------------------------------- Invoke-CloneTask

    [Fact]
    public void InvokeCloneTask_Example1_RunsTheTaskAndRecordsItInTheHistory()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("Documents").File("a.txt", "alpha").File("docs/b.txt", "bravo");
        var task = store.Add(Task("Nightly", src.Root, _dir.Path("backup")));

        var events = new RecordingEvents();
        var run = Assert.Single(new TaskRunner(store).Run(task, events, CancellationToken.None));

        Assert.Same(run, Assert.Single(events.Items.OfType<CloneTaskRun>()));
        Assert.Equal((CloneStatus.Success, 0, 3L, 10L), (run.Status, run.ExitCode, run.ItemsCopied, run.BytesCopied));
        Assert.Equal(src.Snapshot(), ExampleTree.Snapshot(_dir.Path("backup"), skipReserved: true));
        Assert.Equal(run.RunId, Assert.Single(store.GetHistory(task)).RunId);
        Assert.StartsWith(store.LogFolder(task), run.LogPath, StringComparison.Ordinal);
    }

    [Fact]
    public void InvokeCloneTask_Example2_EveryNightlyTaskRunsWithTheTasksChainedAfterIt()
    {
        var store = TaskStoreAt("home");
        foreach (string name in new[] { "Nightly-Docs", "Nightly-Photos", "Report" }) _dir.Tree("src/" + name).File("f.txt", name);
        Directory.CreateDirectory(_dir.Path("dst"));
        store.Add(Task("Report", _dir.Path("src/Report"), _dir.Path("dst/Report")));
        store.Add(Task("Nightly-Docs", _dir.Path("src/Nightly-Docs"), _dir.Path("dst/Nightly-Docs")) with { RunAfter = [new CloneTaskLink { Task = "Report" }] });
        store.Add(Task("Nightly-Photos", _dir.Path("src/Nightly-Photos"), _dir.Path("dst/Nightly-Photos")));

        var runs = new List<CloneTaskRun>();
        foreach (var piped in store.Find(["Nightly*"], new RecordingEvents()))
            runs.AddRange(new TaskRunner(store).Run(store.Refresh(piped), new RecordingEvents(), CancellationToken.None));

        Assert.Equal(["Nightly-Docs Success ", "Report Success Nightly-Docs", "Nightly-Photos Success "],
            runs.Select(r => $"{r.TaskName} {r.Status} {r.TriggeredBy}"));
        var noChain = Assert.Single(new TaskRunner(store).Run(store.Get("Nightly-Docs"), new RecordingEvents(), CancellationToken.None, runChain: false));
        Assert.Equal("Nightly-Docs", noChain.TaskName);
    }

    [Fact]
    public void InvokeCloneTask_Example3_WhatIfPlansTheTasksCloneAndChangesNothing()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("Documents").File("a.txt", "alpha").File("b.txt", "bravo");
        var task = store.Add(Task("Nightly", src.Root, _dir.Path("backup")));
        new TaskRunner(store).Run(task, new RecordingEvents(), CancellationToken.None);
        src.File("a.txt", "alpha, changed").File("c.txt", "charlie");
        var before = ExampleTree.Snapshot(_dir.Path("backup"), skipReserved: false);

        var events = new RecordingEvents();
        var plan = new CloneEngine().Run(store.Get("Nightly").ToRequest(dryRun: true), events, CancellationToken.None);

        Assert.True(plan.DryRun);
        Assert.Equal(["Archived a.txt", "Copied c.txt", "Updated a.txt"], events.Actions());
        Assert.Equal(before, ExampleTree.Snapshot(_dir.Path("backup"), skipReserved: false));
        Assert.Single(store.GetHistory(task)); // a preview is not a run
    }

    [Fact]
    public void InvokeCloneTask_Example4_AFailedRunIsAnErrorAndStillARecordedRunWithItsExitCode()
    {
        var store = TaskStoreAt("home");
        var task = store.Add(Task("Usb", _dir.Path("media/usb-not-mounted"), _dir.Path("backup-usb")));

        var events = new RecordingEvents();
        var run = Assert.Single(new TaskRunner(store).Run(task, events, CancellationToken.None));

        Assert.Equal((CloneStatus.Failed, "SourceNotFound", 2), (run.Status, run.ErrorId, run.ExitCode));
        var error = Assert.Single(events.Errors);
        Assert.Equal(("SourceNotFound", FailureKind.ObjectNotFound, "Usb"), (error.ErrorId, error.Kind, error.Target));
        Assert.Equal(CloneStatus.Failed, Assert.Single(store.GetHistory(task)).Status);
    }

    // ---------------------------------------------------------------- Get-CloneTaskHistory

    [Fact]
    public void GetCloneTaskHistory_Example1_LastTakesTheNewestRunsOldestFirst()
    {
        var store = TaskStoreAt("home");
        var task = store.Add(Task("Photos", "/srv/photos", "/mnt/photos"));
        var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 12; i++) store.AppendHistory(task, HistoryRuns.Make(task, start.AddDays(i), CloneStatus.Success));

        var last = store.GetHistory([store.Refresh(task)], last: 10);

        Assert.Equal(Enumerable.Range(2, 10).Select(i => start.AddDays(i)), last.Select(r => r.StartTime));
    }

    [Fact]
    public void GetCloneTaskHistory_Example2_StatusAndAfterFilterTheRunsOfEveryTaskAsOneTimeline()
    {
        var store = TaskStoreAt("home");
        var docs = store.Add(Task("Docs", "/srv/docs", "/mnt/docs"));
        var photos = store.Add(Task("Photos", "/srv/photos", "/mnt/photos"));
        var now = DateTimeOffset.Now;
        store.AppendHistory(docs, HistoryRuns.Make(docs, now.AddDays(-9), CloneStatus.Failed));
        store.AppendHistory(docs, HistoryRuns.Make(docs, now.AddDays(-3), CloneStatus.Failed));
        store.AppendHistory(photos, HistoryRuns.Make(photos, now.AddDays(-5), CloneStatus.Failed));
        store.AppendHistory(photos, HistoryRuns.Make(photos, now.AddDays(-2), CloneStatus.Success));
        store.AppendHistory(docs, HistoryRuns.Make(docs, now.AddDays(-1), CloneStatus.CompletedWithErrors));

        var failed = store.GetHistory(store.Load().Tasks, last: null, statuses: [CloneStatus.Failed], after: now.AddDays(-7));

        Assert.Equal([("Photos", now.AddDays(-5)), ("Docs", now.AddDays(-3))], failed.Select(r => (r.TaskName, r.StartTime)));
        Assert.Equal(["CompletedWithErrors"], store.GetHistory(store.Load().Tasks, 1).Select(r => r.Status.ToString()));
    }

    [Fact]
    public void GetCloneTaskHistory_Example3_TheLogOfARunSaysWhatWasDoneAndWhy()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("data").File("report.txt", "v1").File("docs/old.txt", "old");
        var task = store.Add(Task("Nightly", src.Root, _dir.Path("backup")));
        new TaskRunner(store).Run(task, new RecordingEvents(), CancellationToken.None);
        src.File("report.txt", "version 2").Delete("docs/old.txt");
        new TaskRunner(store).Run(store.Get("Nightly"), new RecordingEvents(), CancellationToken.None);

        var last = Assert.Single(store.GetHistory([task], 1));
        var lines = File.ReadAllLines(last.LogPath!).Select(l => l.Split('\t')).ToList();

        Assert.All(lines, l => Assert.Equal(4, l.Length));
        Assert.Contains(["Archived", "report.txt", "Modified"], lines.Select(l => l[1..]));
        Assert.Contains(["Updated", "report.txt", "Size differs (2 -> 9)"], lines.Select(l => l[1..]));
        Assert.Contains(["Archived", "docs/old.txt", "Deleted from source"], lines.Select(l => l[1..]));
        Assert.StartsWith("Success", lines.Single(l => l[1] == "Status")[3], StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- Test-CloneTask

    [Fact]
    public void TestCloneTask_Example1_HealthyAfterARecentSuccessfulRun()
    {
        var store = TaskStoreAt("home");
        var src = _dir.Tree("data").File("a.txt", "a");
        var task = store.Add(Task("Nightly", src.Root, _dir.Path("backup")));
        var check = new TaskHealthCheck(store);
        Assert.Equal((false, CloneTaskHealthReason.NeverRun), Verdict(check.Test(task, TimeSpan.FromDays(1))));

        new TaskRunner(store).Run(task, new RecordingEvents(), CancellationToken.None);
        var health = check.Test(store.Get("Nightly"), TimeSpan.FromDays(1));

        Assert.Equal((true, CloneTaskHealthReason.Healthy), Verdict(health));
        Assert.True(health.Age < TimeSpan.FromMinutes(1));
        Assert.Equal((TaskScope.CurrentUser, "Nightly"), (health.Scope, health.Name));
        Assert.False(check.Test(store.Get("Nightly"), TimeSpan.FromDays(1), DateTimeOffset.Now.AddDays(2)).Healthy);
    }

    [Fact]
    public void TestCloneTask_Example2_TheUnhealthyTasksSayWhy()
    {
        var store = TaskStoreAt("home", TaskScope.AllUsers);
        var now = DateTimeOffset.Now;
        Directory.CreateDirectory(_dir.Path("dst"));
        var fresh = store.Add(Task("Fresh", "/srv/a", _dir.Path("dst")));
        var stale = store.Add(Task("Stale", "/srv/b", _dir.Path("dst")));
        var failing = store.Add(Task("Failing", "/srv/c", _dir.Path("dst")));
        store.Add(Task("Never", "/srv/d", _dir.Path("dst")));
        store.AppendHistory(fresh, HistoryRuns.Make(fresh, now.AddHours(-3), CloneStatus.Success));
        store.AppendHistory(stale, HistoryRuns.Make(stale, now.AddDays(-4), CloneStatus.Success));
        store.AppendHistory(failing, HistoryRuns.Make(failing, now.AddHours(-30), CloneStatus.Success));
        store.AppendHistory(failing, HistoryRuns.Make(failing, now.AddHours(-2), CloneStatus.Failed));

        var check = new TaskHealthCheck(store);
        var unhealthy = store.Find(null, new RecordingEvents()).Select(t => check.Test(t, TimeSpan.FromDays(1))).Where(h => !h.Healthy).ToList();

        Assert.Equal([("Failing", CloneTaskHealthReason.LastRunFailed), ("Never", CloneTaskHealthReason.NeverRun), ("Stale", CloneTaskHealthReason.LastSuccessTooOld)],
            unhealthy.Select(h => (h.Name, h.Reason)));
        Assert.All(unhealthy, h => Assert.Equal(TaskScope.AllUsers, h.Scope)); // piped on, they find their store
    }

    [Fact]
    public void TestCloneTask_Example3_DetectionExitsOneUntilTheRemediationHasRun()
    {
        using var cli = new TaskCli();
        cli.WriteFile("src/a.txt", "alpha");
        Assert.Equal(0, cli.Run("task", "new", "Nightly", "--source", cli["src"], "--destination", cli["dst"], "--min-free", "0").ExitCode);

        var detection = cli.Run("task", "test", "Nightly", "--max-age", "1d");
        Assert.Equal(1, detection.ExitCode);
        Assert.Contains("never run", detection.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, cli.Run("task", "run", "Nightly").ExitCode);   // the remediation
        var again = cli.Run("task", "test", "Nightly", "--max-age", "1d");
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("healthy: ", again.Stdout, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- Register-CloneTaskSchedule

    [Fact]
    public void RegisterCloneTaskSchedule_Example1_WhatIfShowsTheSystemdUnitsThatRunPwsh()
    {
        var store = TaskStoreAt("home");
        var env = SchedulerEnv();
        var task = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data"));

        var plan = new TaskSchedules(store, env).Plan(task, CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)), SchedulerKind.Systemd, TaskLauncher.PowerShell("/opt/microsoft/powershell/7/pwsh"));

        Assert.Equal([Path.Combine(env.SystemdUserFolder, "psclone-Nightly.service"), Path.Combine(env.SystemdUserFolder, "psclone-Nightly.timer")], plan.Files.Select(f => f.Path));
        string service = plan.Files[0].Content, timer = plan.Files[1].Content;
        Assert.Contains($"\nEnvironment=\"PSCLONE_HOME={store.Location.Root}\"\n", service);
        Assert.Contains("\nExecStart=/opt/microsoft/powershell/7/pwsh -NoProfile -NonInteractive -Command \"", service);
        Assert.Contains("Invoke-CloneTask -Name 'Nightly' -Confirm:$$false", service);
        Assert.Contains("\nOnCalendar=*-*-* 02:00:00\nPersistent=true\n", timer);
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now psclone-Nightly.timer"], plan.Commands);
        Assert.False(File.Exists(plan.Files[0].Path), "a plan writes nothing");
        Assert.Null(store.Get("Nightly").Schedule);
    }

    [Fact]
    public void RegisterCloneTaskSchedule_Example2_RegistersOnceAndASecondRegistrationChangesNothing()
    {
        var store = TaskStoreAt("home");
        var env = SchedulerEnv();
        var schedules = new TaskSchedules(store, env);
        var task = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data"));
        var daily = CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0));
        var pwsh = TaskLauncher.PowerShell("/opt/microsoft/powershell/7/pwsh");

        var first = schedules.Register(task, daily, SchedulerKind.Systemd, pwsh, new RecordingEvents());
        int calls = ToolCalls().Length;
        var second = schedules.Register(store.Get("Nightly"), daily, SchedulerKind.Systemd, pwsh, new RecordingEvents());

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now psclone-Nightly.timer", "systemctl --user enable --now psclone-Nightly.timer"], ToolCalls());
        Assert.Equal(calls + 1, ToolCalls().Length);
        Assert.Equal("Daily at 02:00 (Systemd)", $"{store.Get("Nightly").Schedule} ({store.Get("Nightly").Schedule!.Scheduler})");
        Assert.All(first.Files, f => Assert.Equal(f.Content, File.ReadAllText(f.Path)));
    }

    [Fact]
    public void RegisterCloneTaskSchedule_Example3_WeeklyTaskSchedulerXmlRunsPwshExe()
    {
        var store = TaskStoreAt("home");
        var task = store.Add(Task("Photos", "/srv/photos", "/mnt/nas/photos"));

        var plan = new TaskSchedules(store, SchedulerEnv()).Plan(task, CloneTaskSchedule.Weekly(new TimeSpan(22, 30, 0), DayOfWeek.Monday, DayOfWeek.Thursday),
            SchedulerKind.TaskScheduler, TaskLauncher.PowerShell(@"C:\Program Files\PowerShell\7\pwsh.exe"));

        var file = Assert.Single(plan.Files);
        Assert.Equal(@"\PSClone\Photos", file.Path);
        var xml = XDocument.Parse(file.Content);
        XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        Assert.Equal(["Monday", "Thursday"], xml.Descendants(ns + "DaysOfWeek").Single().Elements().Select(e => e.Name.LocalName));
        Assert.EndsWith("T22:30:00", xml.Descendants(ns + "StartBoundary").Single().Value, StringComparison.Ordinal);
        Assert.Equal(@"C:\Program Files\PowerShell\7\pwsh.exe", xml.Descendants(ns + "Command").Single().Value);
        string arguments = xml.Descendants(ns + "Arguments").Single().Value;
        Assert.StartsWith("-NoProfile -NonInteractive -Command \"$env:PSCLONE_HOME = '", arguments, StringComparison.Ordinal);
        Assert.Contains("Invoke-CloneTask -Name 'Photos' -Confirm:$false", arguments, StringComparison.Ordinal);
        Assert.Equal("true", xml.Descendants(ns + "StartWhenAvailable").Single().Value);
    }

    [Fact]
    public void RegisterCloneTaskSchedule_Example4_AnIntervalBecomesALaunchdStartInterval()
    {
        var store = TaskStoreAt("home");
        var env = SchedulerEnv();
        var task = store.Add(Task("Mail", "/srv/mail", "/mnt/backup/mail"));

        var plan = new TaskSchedules(store, env).Plan(task, CloneTaskSchedule.Every(Age.Parse("6h", "-Interval")), SchedulerKind.Launchd,
            TaskLauncher.PowerShell("/usr/local/microsoft/powershell/7/pwsh"));

        var file = Assert.Single(plan.Files);
        Assert.Equal(Path.Combine(env.LaunchAgentsFolder, "org.psclone.task.Mail.plist"), file.Path);
        var dict = XDocument.Parse(file.Content).Root!.Element("dict")!.Elements().ToList();
        string After(string key) => dict[dict.FindIndex(e => e.Name == "key" && e.Value == key) + 1].ToString(SaveOptions.DisableFormatting);
        Assert.Equal("<integer>21600</integer>", After("StartInterval"));
        Assert.StartsWith("<array><string>/usr/local/microsoft/powershell/7/pwsh</string><string>-NoProfile</string><string>-NonInteractive</string><string>-Command</string>",
            After("ProgramArguments"), StringComparison.Ordinal);
        Assert.Equal(["launchctl bootout \"gui/$(id -u)/org.psclone.task.Mail\"", $"launchctl bootstrap \"gui/$(id -u)\" {file.Path}"], plan.Commands);
    }

    // ---------------------------------------------------------------- Unregister-CloneTaskSchedule

    [Fact]
    public void UnregisterCloneTaskSchedule_Example1_RemovesTheTimerAndKeepsTheTask()
    {
        var store = TaskStoreAt("home");
        var env = SchedulerEnv();
        var schedules = new TaskSchedules(store, env);
        var task = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data"));
        var done = schedules.Register(task, CloneTaskSchedule.Hourly(15), SchedulerKind.Systemd, TaskLauncher.PowerShell("/usr/bin/pwsh"), new RecordingEvents());

        Assert.True(schedules.Unregister(store.Get("Nightly"), new RecordingEvents()));

        Assert.All(done.Files, f => Assert.False(File.Exists(f.Path)));
        Assert.Contains("systemctl --user disable --now psclone-Nightly.timer", ToolCalls());
        var after = store.Get("Nightly");
        Assert.Null(after.Schedule);
        Assert.Equal(task.Id, after.Id);
        Assert.False(schedules.Unregister(after, new RecordingEvents())); // nothing left to do
    }

    [Fact]
    public void UnregisterCloneTaskSchedule_Example2_ASavedScheduleThatWasNeverRegisteredIsCleared()
    {
        var store = TaskStoreAt("home");
        string file = _dir.Path("Nightly.json");
        File.WriteAllText(file, """{ "schemaVersion": 1, "name": "Nightly", "source": "/srv/data", "destination": "/mnt/backup", "schedule": { "kind": "Daily", "at": "02:00:00" } }""");
        var imported = store.Import(file, replace: false);
        Assert.Equal(("Daily at 02:00", (SchedulerKind?)null), (imported.Schedule!.ToString(), imported.Schedule.Scheduler));

        Assert.True(new TaskSchedules(store, SchedulerEnv()).Unregister(imported, new RecordingEvents()));

        Assert.Null(store.Get("Nightly").Schedule);
        Assert.Empty(ToolCalls());
    }

    // ---------------------------------------------------------------- Export-CloneTask

    [Fact]
    public void ExportCloneTask_Example1_AFolderGetsNameDotJsonWithoutThisMachinesRegistration()
    {
        var store = TaskStoreAt("home");
        var task = store.Add(Task("Nightly", "/srv/data", "/mnt/backup/data") with { Schedule = CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)) with { Scheduler = SchedulerKind.Systemd } });
        string share = _dir.Path("share/psclone");
        Directory.CreateDirectory(share);

        string file = Path.Combine(share, task.Name + ".json"); // -Path names a folder
        TaskStore.Export(store.Get("Nightly"), file);

        var json = JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal((1, "Nightly", "Daily"), ((int)json["schemaVersion"]!, (string?)json["name"], (string?)json["schedule"]!["kind"]));
        Assert.Null(json["schedule"]!["scheduler"]);
        Assert.Equal(task.Id, Guid.Parse((string)json["id"]!));
    }

    [Fact]
    public void ExportCloneTask_Example2_NoClobberRefusesAnExistingFileAndLeavesIt()
    {
        var store = TaskStoreAt("home");
        foreach (string name in new[] { "Docs", "Photos" }) store.Add(Task(name, "/srv/" + name, "/mnt/" + name));
        string folder = _dir.Path("exported");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Photos.json"), "an older export");

        var refused = new List<string>();
        foreach (var task in store.Find(null, new RecordingEvents()))
        {
            try
            {
                TaskStore.Export(task, Path.Combine(folder, task.Name + ".json"), overwrite: false);
            }
            catch (PSCloneException ex)
            {
                refused.Add($"{ex.ErrorId} {ex.Kind} {Path.GetFileName(ex.Target)}");
            }
        }

        Assert.Equal(["TaskExportFileExists ResourceExists Photos.json"], refused);
        Assert.Equal("an older export", File.ReadAllText(Path.Combine(folder, "Photos.json")));
        Assert.Equal("Docs", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "Docs.json")))!["name"]);
        Assert.Equal(["Docs.json", "Photos.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    // ---------------------------------------------------------------- Import-CloneTask

    [Fact]
    public void ImportCloneTask_Example1_AddsTheTaskAndRefusesANameThatExists()
    {
        var source = TaskStoreAt("laptop");
        var exported = source.Add(Task("Nightly", "/srv/data", "/mnt/backup/data") with { Verify = true });
        string file = _dir.Path("Nightly.json");
        TaskStore.Export(exported, file);
        var store = TaskStoreAt("home");

        var imported = store.Import(file, replace: false);
        var again = Assert.Throws<PSCloneException>(() => store.Import(file, replace: false));

        Assert.Equal(("Nightly", true, exported.Id), (imported.Name, imported.Verify, imported.Id));
        Assert.Equal(("TaskExists", FailureKind.ResourceExists), (again.ErrorId, again.Kind));
        Assert.Single(store.Load().Tasks);
    }

    [Fact]
    public void ImportCloneTask_Example2_ForceReplacesTheTaskAndKeepsItsIdAndHistory()
    {
        var machine = TaskStoreAt("machine", TaskScope.AllUsers);
        var current = machine.Add(Task("Servers", "/srv", "/mnt/old"));
        machine.AppendHistory(current, HistoryRuns.Make(current, DateTimeOffset.Now.AddDays(-1), CloneStatus.Success));
        string share = _dir.Path("share");
        Directory.CreateDirectory(share);
        TaskStore.Export(current with { Id = Guid.NewGuid(), Destination = "/mnt/new" }, Path.Combine(share, "Servers.json"));
        TaskStore.Export(new CloneTask { Name = "Mail", Source = "/srv/mail", Destination = "/mnt/mail" }, Path.Combine(share, "Mail.json"));

        var imported = Directory.GetFiles(share, "*.json").Order(StringComparer.Ordinal).Select(f => machine.Import(f, replace: true)).ToList();

        Assert.Equal([("Mail", TaskScope.AllUsers), ("Servers", TaskScope.AllUsers)], imported.Select(t => (t.Name, t.Scope)));
        var servers = machine.Get("Servers");
        Assert.Equal(("/mnt/new", current.Id, current.Created), (servers.Destination, servers.Id, servers.Created));
        Assert.Single(machine.GetHistory(servers));
    }

    [Fact]
    public void ImportCloneTask_Example3_AHandWrittenFileWithSizesAgesAndCommentsLoads()
    {
        string file = _dir.Path("Photos.json");
        File.WriteAllText(file, """
            {
              // written by hand, deployed by Intune
              "schemaVersion": 1,
              "name": "Photos",
              "source": "/srv/photos",
              "destination": "/mnt/nas/photos",
              "safetyNetMinFree": "50GB",
              "safetyNetMaxAge": "30d",
              "exclude": ["*.tmp", "cache/"],
            }
            """);

        var task = TaskStoreAt("home").Import(file, replace: false);

        Assert.Equal((50L << 30, TimeSpan.FromDays(30)), (task.SafetyNetMinFree, task.SafetyNetMaxAge));
        Assert.NotEqual(Guid.Empty, task.Id); // a file without an id gets one when it is saved
        Assert.Equal(["*.tmp", "cache/"], task.Exclude);
    }

    // ---------------------------------------------------------------- helpers

    private TaskStore TaskStoreAt(string folder, TaskScope scope = TaskScope.CurrentUser) => new(TaskStoreLocation.At(_dir.Path(folder), scope));

    /// <summary>A task as New-CloneTask saves it; no SafetyNet free-space pruning on the small test disk.</summary>
    private static CloneTask Task(string name, string source, string destination) =>
        new() { Name = name, Source = source, Destination = destination, SafetyNetMinFree = 0 };

    private static (bool, CloneTaskHealthReason) Verdict(CloneTaskHealth health) => (health.Healthy, health.Reason);

    private string ExampleScript(string name, string body)
    {
        string path = _dir.Path("scripts/" + name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The schedulers' folders in the test folder, and stand-ins for systemctl, crontab and
    /// launchctl that log how they were called.</summary>
    private SchedulerEnvironment SchedulerEnv()
    {
        string bin = _dir.Path("bin");
        Directory.CreateDirectory(bin);
        foreach (string tool in new[] { "systemctl", "crontab", "launchctl", "schtasks" })
        {
            string path = Path.Combine(bin, tool);
            File.WriteAllText(path, $"#!/bin/sh\necho \"{tool} $*\" >> '{_dir.Path("calls.log")}'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new SchedulerEnvironment
        {
            Home = _dir.Path("user"),
            UserName = "ann",
            SystemdSystemFolder = _dir.Path("etc/systemd/system"),
            CronFolder = _dir.Path("etc/cron.d"),
            LaunchDaemonsFolder = _dir.Path("Library/LaunchDaemons"),
            LingerFolder = _dir.Path("linger"),
            ToolFolder = bin,
            Now = () => new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero),
        };
    }

    private string[] ToolCalls() => File.Exists(_dir.Path("calls.log")) ? File.ReadAllLines(_dir.Path("calls.log")) : [];
}
