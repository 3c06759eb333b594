using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Tasks;

/// <summary>psclone task ... end to end: the built CLI, a task store in a temp folder, real files,
/// real scripts, a real HTTP listener.</summary>
public sealed class TaskCliTests : IDisposable
{
    private readonly TaskCli _cli = new();

    public TaskCliTests()
    {
        _cli.WriteFile("src/a.txt", "alpha");
        _cli.WriteFile("src/docs/b.txt", "beta");
    }

    public void Dispose() => _cli.Dispose();

    private CliResult Ok(params string[] args)
    {
        var r = _cli.Run(args);
        Assert.True(r.ExitCode == 0, $"psclone {string.Join(' ', args)}\n{r}");
        return r;
    }

    private void NewTask(string name = "Nightly", params string[] more) =>
        Ok(["task", "new", name, "--source", "src", "--destination", "dst", "--min-free", "0", .. more]);

    [Fact]
    public void NewListShowRunHistoryTest_EndToEnd()
    {
        var created = _cli.Run("task", "new", "Nightly", "--source", "src", "--destination", "dst", "--exclude", "*.tmp", "--min-free", "0",
            "--safetynet", "keepall", "--verify", "--json");
        Assert.Equal(0, created.ExitCode);
        var task = Assert.Single(created.OfType("task"));
        Assert.Equal(_cli["src"], (string?)task["source"]);
        Assert.Equal(_cli["dst"], (string?)task["destination"]);
        Assert.Equal("KeepAll", (string?)task["safetyNet"]);
        Assert.True((bool)task["verify"]!);
        Assert.Equal(1, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(_cli.Home, "tasks/Nightly.json")))!["schemaVersion"]!);

        var list = Ok("task", "list");
        Assert.Equal($"Nightly  {_cli["src"]} -> {_cli["dst"]}\n", list.Stdout);
        var show = Ok("task", "show", "NIGHTLY", "--json");
        Assert.Equal("Nightly", (string?)Assert.Single(show.OfType("task"))["name"]);

        // Never run: not healthy, exit 1, the reason on stdout.
        var test = _cli.Run("task", "test", "Nightly", "--max-age", "1d");
        Assert.Equal(1, test.ExitCode);
        Assert.StartsWith("not healthy: Task 'Nightly' has never run.", test.Stdout);

        var run = _cli.Run("task", "run", "Nightly", "--json");
        Assert.Equal(0, run.ExitCode);
        var result = Assert.Single(run.OfType("taskRun"));
        Assert.Equal("Success", (string?)result["status"]);
        Assert.Equal(3, (long)result["itemsCopied"]!);
        Assert.Equal(2, (long)result["itemsVerified"]!); // the two files
        Assert.Equal("beta", File.ReadAllText(_cli["dst/docs/b.txt"]));
        string log = (string)result["logPath"]!;
        Assert.Contains("\tCopied\tdocs/b.txt\tNew", File.ReadAllText(log));

        var history = _cli.Run("task", "history", "Nightly", "--json");
        var entry = Assert.Single(history.OfType("taskRun"));
        Assert.Equal("Success", (string?)entry["status"]);
        Assert.Equal((string?)result["runId"], (string?)entry["runId"]);
        Assert.True(DateTimeOffset.Parse((string)entry["endTime"]!) >= DateTimeOffset.Parse((string)entry["startTime"]!));

        test = _cli.Run("task", "test", "Nightly", "--max-age", "1d");
        Assert.Equal(0, test.ExitCode);
        Assert.StartsWith("healthy: ", test.Stdout);
        var health = Assert.Single(_cli.Run("task", "test", "Nightly", "--max-age", "1d", "--json").OfType("taskHealth"));
        Assert.True((bool)health["healthy"]!);
        Assert.Equal("Healthy", (string?)health["reason"]);
        Assert.Equal("", _cli.Run("task", "test", "Nightly", "--max-age", "1d", "-q").Stdout);

        // A second run changes nothing; history keeps both, --last picks the newest.
        Assert.Equal(0, (long)Assert.Single(_cli.Run("task", "run", "Nightly", "--json").OfType("taskRun"))["itemsCopied"]!);
        var last = _cli.Run("task", "history", "--last", "1", "--json").OfType("taskRun");
        Assert.Equal(0, (long)Assert.Single(last)["itemsCopied"]!);
        Assert.Equal(2, _cli.Run("task", "history", "--json").OfType("taskRun").Count);

        // The destination gone: not healthy, whatever the history says.
        Directory.Delete(_cli["dst"], recursive: true);
        test = _cli.Run("task", "test", "Nightly", "--max-age", "1d");
        Assert.Equal(1, test.ExitCode);
        Assert.Contains("cannot be reached", test.Stdout);
    }

    /// <summary>A task whose destination is an encrypted backup image: each run makes a snapshot with
    /// the passphrase from PSCLONE_PASSPHRASE, and the task's retention prunes the image.</summary>
    [Fact]
    public void ImageDestination_RunsWithThePassphraseFromTheEnvironment_AndAppliesRetention()
    {
        _cli.Environment["PSCLONE_PASSPHRASE"] = "task image passphrase";
        Ok("image", "new", "dst.psimg", "--encryption", "aes256", "--kdf-iterations", "2000");
        Ok("task", "new", "ToImage", "--source", "src", "--destination", "dst.psimg", "--keep-last", "2");
        var pruned = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            _cli.WriteFile($"src/run{i}.txt", $"run {i}");
            var run = Assert.Single(Ok("task", "run", "ToImage", "--json").OfType("taskRun"));
            Assert.Equal("Success", (string?)run["status"]);
            Assert.NotNull((string?)run["snapshotId"]);
            pruned.Add((int)run["snapshotsPruned"]!);
        }
        Assert.Equal([0, 0, 1], pruned);
        Assert.Equal(2, Ok("image", "snapshots", "dst.psimg", "--json").OfType("snapshot").Count());
        Ok("image", "restore", "dst.psimg", "out");
        Assert.Equal("run 2", File.ReadAllText(_cli["out/run2.txt"]));

        // Without the passphrase the run fails, says what is missing, and the image keeps its snapshots.
        _cli.Environment.Remove("PSCLONE_PASSPHRASE");
        var failed = _cli.Run("task", "run", "ToImage", "--json");
        Assert.Equal(2, failed.ExitCode);
        var history = Assert.Single(failed.OfType("taskRun"));
        Assert.Equal("Failed", (string?)history["status"]);
        Assert.Contains("PSCLONE_PASSPHRASE", failed.Stdout + failed.Stderr, StringComparison.Ordinal);
        _cli.Environment["PSCLONE_PASSPHRASE"] = "task image passphrase";
        Assert.Equal(2, Ok("image", "snapshots", "dst.psimg", "--json").OfType("snapshot").Count());
    }

    [Fact]
    public void Run_ExitCodesAsForClone()
    {
        NewTask("Missing");
        Ok("task", "set", "Missing", "--source", "nowhere");
        var refused = _cli.Run("task", "run", "Missing", "--json");
        Assert.Equal(2, refused.ExitCode);
        var run = Assert.Single(refused.OfType("taskRun"));
        Assert.Equal("Failed", (string?)run["status"]);
        Assert.Equal("SourceNotFound", (string?)run["errorId"]);
        Assert.Equal("SourceNotFound", (string?)Assert.Single(refused.OfType("error"))["errorId"]);

        NewTask("Chained", "--run-after", "Ghost");
        var chained = _cli.Run("task", "run", "Chained");
        Assert.Equal(1, chained.ExitCode);
        Assert.Contains("'Ghost'", chained.Stderr);

        var unknown = _cli.Run("task", "run", "Nobody", "--json");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("TaskNotFound", (string?)Assert.Single(unknown.OfType("error"))["errorId"]);
    }

    [Fact]
    public void BadInput_IsRefusedWithStableIds_AndChangesNothing()
    {
        NewTask();
        string file = Path.Combine(_cli.Home, "tasks/Nightly.json");
        byte[] before = File.ReadAllBytes(file);

        var duplicate = _cli.Run("task", "new", "NIGHTLY", "--source", "src", "--destination", "other", "--json");
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Equal("TaskExists", (string?)Assert.Single(duplicate.OfType("error"))["errorId"]);

        foreach (var name in new[] { "bad name", "CON" })
        {
            var bad = _cli.Run("task", "new", name, "--source", "src", "--destination", "dst", "--json");
            Assert.Equal(2, bad.ExitCode);
            Assert.Equal("InvalidTaskName", (string?)Assert.Single(bad.OfType("error"))["errorId"]);
        }

        Assert.Equal(2, _cli.Run("task", "show", "Nobody").ExitCode);
        Assert.Contains("There is no task named 'Nobody'", _cli.Run("task", "show", "Nobody").Stderr);
        Assert.Equal(2, _cli.Run("task", "new", "X", "--source", "src").ExitCode);
        Assert.Equal(2, _cli.Run("task", "set", "Nightly", "--bogus").ExitCode);
        Assert.Equal(2, _cli.Run("task", "set", "Nightly", "--webhook", "ftp://x/").ExitCode);
        Assert.Equal(2, _cli.Run("task", "set", "Nightly", "--max-delete-percent", "150").ExitCode);
        Assert.Equal(2, _cli.Run("task", "set", "Nightly", "--run-after", "Nightly").ExitCode);

        foreach (var schedule in new[] { new[] { "--every", "7x" }, ["--weekly", "funday", "--at", "02:00"], ["--hourly", "--at", "75"], ["--daily", "02:00", "--hourly"] })
        {
            var bad = _cli.Run(["task", "schedule", "Nightly", "--dry-run", "--json", .. schedule]);
            Assert.True(bad.ExitCode == 2, string.Join(' ', schedule) + "\n" + bad);
        }
        Assert.Equal("InvalidSchedule", (string?)_cli.Run("task", "schedule", "Nightly", "--daily", "25:00", "--dry-run", "--json").OfType("error")[0]["errorId"]);
        Assert.Equal("NoSchedule", (string?)_cli.Run("task", "schedule", "Nightly", "--dry-run", "--json").OfType("error")[0]["errorId"]);
        Assert.Equal("InvalidSchedule", (string?)_cli.Run("task", "schedule", "Nightly", "--every", "7h", "--scheduler", "cron", "--dry-run", "--json").OfType("error")[0]["errorId"]);

        Assert.Equal(before, File.ReadAllBytes(file));
    }

    [Fact]
    public void Set_ChangesOnlyWhatIsGiven_AndWritesNothingWhenNothingChanges()
    {
        NewTask("Nightly", "--exclude", "*.tmp", "--exclude", "cache/", "--checksum", "--max-delete", "10", "--webhook", "http://127.0.0.1:1/x");
        string file = Path.Combine(_cli.Home, "tasks/Nightly.json");
        var mtime = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, mtime);
        byte[] before = File.ReadAllBytes(file);

        var same = Ok("task", "set", "Nightly", "--exclude", "*.tmp", "--exclude", "cache/", "--checksum");
        Assert.Contains("nothing was written", same.Stdout);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(file));

        Ok("task", "set", "Nightly", "--no-checksum", "--max-delete", "none", "--exclude", "", "--webhook-on", "always", "--keep-last", "3");
        var task = Assert.Single(_cli.Run("task", "show", "Nightly", "--json").OfType("task"));
        Assert.False((bool)task["checksum"]!);
        Assert.Null(task["maxDelete"]);
        Assert.Empty(task["exclude"]!.AsArray());
        Assert.Equal("Always", (string?)task["notification"]!["on"]);
        Assert.Equal("http://127.0.0.1:1/x", (string?)task["notification"]!["webhook"]);
        Assert.Equal(3, (int)task["retention"]!["keepLast"]!);
        Assert.Equal(_cli["src"], (string?)task["source"]);
        Ok("task", "set", "Nightly", "--no-webhook", "--no-retention");
        task = Assert.Single(_cli.Run("task", "show", "Nightly", "--json").OfType("task"));
        Assert.Null(task["notification"]);
        Assert.Null(task["retention"]);
    }

    [Fact]
    public void CorruptTaskFile_IsNamed_AndTheOthersStillWork()
    {
        NewTask("Good");
        _cli.WriteFile("home/tasks/Broken.json", "{ \"schemaVersion\": 1, \"name\": ");
        var list = _cli.Run("task", "list", "--json");
        Assert.Equal(1, list.ExitCode);
        Assert.Equal("Good", (string?)Assert.Single(list.OfType("task"))["name"]);
        var error = Assert.Single(list.OfType("error"));
        Assert.Equal("TaskFileDamaged", (string?)error["errorId"]);
        Assert.Contains("Broken.json", (string?)error["message"]);
        Assert.Equal(0, _cli.Run("task", "run", "Good").ExitCode);
        var show = _cli.Run("task", "show", "broken", "--json");
        Assert.Equal(2, show.ExitCode);
        Assert.Equal("TaskFileDamaged", (string?)show.OfType("error")[0]["errorId"]);
        Ok("task", "remove", "Broken");
        Assert.Equal(0, _cli.Run("task", "list").ExitCode);
    }

    [Fact]
    public async Task ConcurrentWritersFromSeveralProcesses_AllLand()
    {
        NewTask("Shared");
        var processes = Enumerable.Range(0, 6).Select(i => Task.Run(() => _cli.Run("task", "new", $"T{i}", "--source", "src", "--destination", $"dst{i}")))
            .Concat(Enumerable.Range(0, 6).Select(i => Task.Run(() => _cli.Run("task", "set", "Shared", i % 2 == 0 ? "--verify" : "--durable"))))
            .ToArray();
        var results = await Task.WhenAll(processes);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var tasks = _cli.Run("task", "list", "--json").OfType("task");
        Assert.Equal(7, tasks.Count);
        var shared = tasks.Single(t => (string?)t["name"] == "Shared");
        Assert.True((bool)shared["verify"]! && (bool)shared["durable"]!, "both kinds of change survived");
    }

    [Fact]
    public void Hooks_PreScriptSkips_PostScriptSeesTheResult_AndChainsRun()
    {
        string marker = _cli["post.txt"];
        string gate = _cli["gate"];
        _cli.Script("scripts/pre.sh", $"test -e '{gate}'");
        _cli.Script("scripts/post.sh", $"echo \"$PSCLONE_TASK_NAME $PSCLONE_STATUS $PSCLONE_ITEMS_COPIED\" >> '{marker}'; grep -q '\"status\": \"'\"$PSCLONE_STATUS\"'\"' \"$PSCLONE_RESULT_FILE\"");
        NewTask("Second", "--post-script", "scripts/post.sh");
        Ok("task", "set", "Second", "--destination", "dst2");
        NewTask("First", "--pre-script", "scripts/pre.sh", "--post-script", "scripts/post.sh", "--run-after", "Second");

        var skipped = _cli.Run("task", "run", "First", "--json");
        Assert.Equal(0, skipped.ExitCode);
        var run = Assert.Single(skipped.OfType("taskRun"));
        Assert.Equal("Skipped", (string?)run["status"]);
        Assert.Equal(1, (int)run["preScriptExitCode"]!);
        Assert.False(Directory.Exists(_cli["dst"]));
        Assert.False(File.Exists(marker));

        File.WriteAllText(gate, "");
        var ran = _cli.Run("task", "run", "First", "--json");
        Assert.Equal(0, ran.ExitCode);
        var runs = ran.OfType("taskRun");
        Assert.Equal(["First:Success", "Second:Success"], runs.Select(r => $"{r["taskName"]}:{r["status"]}"));
        Assert.Equal(0, (int)runs[0]["postScriptExitCode"]!);
        Assert.Equal("First", (string?)runs[1]["triggeredBy"]);
        Assert.Equal(["First Success 3", "Second Success 3"], File.ReadAllLines(marker));

        var history = _cli.Run("task", "history", "First", "--json").OfType("taskRun");
        Assert.Equal(["Skipped", "Success"], history.Select(h => (string?)h["status"]));
        Assert.Single(_cli.Run("task", "run", "First", "--no-chain", "--json").OfType("taskRun"));
    }

    [Fact]
    public async Task Webhook_PostsToALocalListener_AndAHangingOneTimesOut()
    {
        using var listener = new HttpListener();
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/hook/";
        listener.Prefixes.Add(url);
        listener.Start();
        var received = listener.GetContextAsync();

        NewTask("Hooked", "--webhook", url, "--webhook-on", "always", "--webhook-timeout", "2s");
        var runTask = Task.Run(() => _cli.Run("task", "run", "Hooked", "--json"));
        var context = await received.WaitAsync(TimeSpan.FromSeconds(60));
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) body = reader.ReadToEnd();
        Assert.Equal("POST", context.Request.HttpMethod);
        Assert.StartsWith("application/json", context.Request.ContentType);
        context.Response.StatusCode = 204;
        context.Response.Close();
        var result = await runTask;
        Assert.Equal(0, result.ExitCode);
        var posted = JsonNode.Parse(body)!;
        Assert.Equal("Hooked", (string?)posted["taskName"]);
        Assert.Equal("Success", (string?)posted["status"]);
        Assert.Equal((string?)Assert.Single(result.OfType("taskRun"))["runId"], (string?)posted["runId"]);

        // The listener now takes the request and never answers: the run still succeeds, with a warning.
        var hanging = listener.GetContextAsync();
        var clock = Stopwatch.StartNew();
        var late = _cli.Run("task", "run", "Hooked", "--json");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
        Assert.True(hanging.IsCompleted, "the webhook was called");
        Assert.Equal(0, late.ExitCode);
        Assert.Equal("Success", (string?)Assert.Single(late.OfType("taskRun"))["status"]);
        Assert.Contains("did not answer within 2s", late.Stderr);
        Assert.Equal("Success", (string?)_cli.Run("task", "history", "Hooked", "--last", "1", "--json").OfType("taskRun")[0]["status"]);
        (await hanging).Response.Abort();
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public void ExportImport_RoundTrip()
    {
        NewTask("Nightly", "--exclude", "*.tmp");
        string file = _cli["exported/nightly.json"];
        Directory.CreateDirectory(_cli["exported"]);
        Ok("task", "export", "Nightly", file);
        Assert.Equal(File.ReadAllText(file), _cli.Run("task", "export", "Nightly", "-").Stdout);

        var other = _cli["other-store"];
        var imported = _cli.Run("task", "import", file, "--store", other, "--json");
        Assert.Equal(0, imported.ExitCode);
        Assert.Equal("*.tmp", (string?)Assert.Single(imported.OfType("task"))["exclude"]![0]);
        Assert.True(File.Exists(Path.Combine(other, "tasks/Nightly.json")));
        Assert.Equal(2, _cli.Run("task", "import", file, "--store", other).ExitCode);
        Assert.Equal(0, _cli.Run("task", "import", file, "--store", other, "--force").ExitCode);
    }

    [Fact]
    public void ScheduleDryRun_ShowsTheExactFilesForEveryScheduler()
    {
        NewTask();
        var systemd = Assert.Single(_cli.Run("task", "schedule", "Nightly", "--daily", "02:00", "--scheduler", "systemd", "--dry-run", "--json").OfType("scheduleRegistration"));
        var files = systemd["files"]!.AsArray();
        string service = (string)files[0]!["content"]!, timer = (string)files[1]!["content"]!;
        Assert.Contains($"\nExecStart={TaskCli.Exe} task run Nightly\n", service);
        Assert.Contains($"\nEnvironment=\"PSCLONE_HOME={_cli.Home}\"\n", service);
        Assert.Contains("\nOnCalendar=*-*-* 02:00:00\nPersistent=true\n", timer);
        Assert.False(File.Exists((string)files[0]!["path"]!), "a dry run writes nothing");
        Assert.Null(JsonNode.Parse(File.ReadAllText(Path.Combine(_cli.Home, "tasks/Nightly.json")))!["schedule"]);

        var human = Ok("task", "schedule", "Nightly", "--weekly", "mon,Thursday", "--at", "22:30", "--scheduler", "systemd", "--dry-run");
        Assert.Contains("OnCalendar=Mon,Thu *-*-* 22:30:00", human.Stdout);
        Assert.Contains("# ---- then:\nsystemctl --user daemon-reload\nsystemctl --user enable --now psclone-Nightly.timer", human.Stdout);

        var windows = Assert.Single(_cli.Run("task", "schedule", "Nightly", "--every", "6h", "--scheduler", "taskscheduler", "--dry-run", "--json").OfType("scheduleRegistration"));
        var xml = XDocument.Parse((string)windows["files"]![0]!["content"]!);
        XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        Assert.Equal("PT6H", (string?)xml.Descendants(ns + "Interval").Single());
        Assert.Equal(TaskCli.Exe, (string?)xml.Descendants(ns + "Command").Single());
        Assert.Equal($"task run Nightly --store {_cli.Home}", (string?)xml.Descendants(ns + "Arguments").Single());

        var launchd = Assert.Single(_cli.Run("task", "schedule", "Nightly", "--hourly", "--at", "15", "--scheduler", "launchd", "--dry-run", "--json").OfType("scheduleRegistration"));
        var plist = XDocument.Parse((string)launchd["files"]![0]!["content"]!);
        Assert.Equal(["Label", "org.psclone.task.Nightly"], plist.Descendants("dict").First().Elements().Take(2).Select(e => e.Value));
        Assert.Equal("15", plist.Descendants("key").Single(k => k.Value == "Minute").ElementsAfterSelf().First().Value);

        var cron = Assert.Single(_cli.Run("task", "schedule", "Nightly", "--every", "15m", "--scheduler", "cron", "--dry-run", "--json").OfType("scheduleRegistration"));
        Assert.Equal($"*/15 * * * * PSCLONE_HOME={_cli.Home} {TaskCli.Exe} task run Nightly # psclone-task:Nightly\n", (string?)cron["files"]![0]!["content"]);
    }

    /// <summary>Real registration and removal through stand-in systemctl and crontab commands (PATH),
    /// with the user's unit folder in the test folder (XDG_CONFIG_HOME).</summary>
    [Fact]
    public void ScheduleAndUnschedule_InstallAndRemoveForReal()
    {
        string calls = _cli["calls.log"];
        _cli.Script("bin/systemctl", $"echo \"systemctl $*\" >> '{calls}'");
        _cli.Script("bin/crontab", $"echo \"crontab $*\" >> '{calls}'; if [ \"$1\" = -l ]; then cat '{_cli["crontab"]}' 2>/dev/null || {{ echo 'no crontab for ann' >&2; exit 1; }}; else cat > '{_cli["crontab"]}'; fi");
        _cli.Environment["PATH"] = _cli["bin"] + ":" + Environment.GetEnvironmentVariable("PATH");
        _cli.Environment["XDG_CONFIG_HOME"] = _cli["config"];
        NewTask();

        var first = _cli.Run("task", "schedule", "Nightly", "--daily", "02:00", "--scheduler", "systemd", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True((bool)Assert.Single(first.OfType("scheduleRegistration"))["changed"]!);
        string unit = _cli["config/systemd/user/psclone-Nightly.timer"];
        Assert.Contains("OnCalendar=*-*-* 02:00:00", File.ReadAllText(unit));
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now psclone-Nightly.timer"], File.ReadAllLines(calls));
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(_cli.Home, "tasks/Nightly.json")))!["schedule"]!;
        Assert.Equal("Daily", (string?)saved["kind"]);
        Assert.Equal("Systemd", (string?)saved["scheduler"]);

        var again = _cli.Run("task", "schedule", "Nightly", "--json");
        Assert.False((bool)Assert.Single(again.OfType("scheduleRegistration"))["changed"]!);
        Assert.Contains("[Daily at 02:00, Systemd]", _cli.Run("task", "list").Stdout);

        // Moving to cron removes the systemd units first.
        Ok("task", "schedule", "Nightly", "--hourly", "--scheduler", "cron");
        Assert.False(File.Exists(unit));
        Assert.Equal($"0 * * * * PSCLONE_HOME={_cli.Home} {TaskCli.Exe} task run Nightly # psclone-task:Nightly\n", File.ReadAllText(_cli["crontab"]));

        Ok("task", "unschedule", "Nightly");
        Assert.Equal("", File.ReadAllText(_cli["crontab"]));
        Assert.Null(JsonNode.Parse(File.ReadAllText(Path.Combine(_cli.Home, "tasks/Nightly.json")))!["schedule"]);
        Assert.Contains("had no schedule", Ok("task", "unschedule", "Nightly").Stdout);

        // Removing a scheduled task removes its schedule too.
        Ok("task", "schedule", "Nightly", "--daily", "03:00", "--scheduler", "systemd");
        Ok("task", "remove", "Nightly");
        Assert.False(File.Exists(unit));
        Assert.Equal("systemctl --user disable --now psclone-Nightly.timer", File.ReadAllLines(calls)[^2]);
    }

    /// <summary>The units psclone itself writes (with its real path in ExecStart) pass systemd's own parser.</summary>
    [ToolFact("systemd-analyze")]
    public void ScheduledUnits_PassSystemdAnalyzeVerify()
    {
        NewTask();
        var plan = Assert.Single(_cli.Run("task", "schedule", "Nightly", "--every", "90m", "--scheduler", "systemd", "--dry-run", "--json").OfType("scheduleRegistration"));
        VerifyUnits(plan["files"]!.AsArray().Select(f => ((string)f!["path"]!, (string)f["content"]!)).ToList());
    }

    private static void VerifyUnits(List<(string Path, string Content)> files)
    {
        string analyze = Requirements.Find("systemd-analyze")!;
        string dir = Path.Combine(Path.GetTempPath(), "psclone-units-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var start = new ProcessStartInfo(analyze) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("--user");
            start.ArgumentList.Add("verify");
            foreach (var (path, content) in files)
            {
                string local = Path.Combine(dir, Path.GetFileName(path));
                File.WriteAllText(local, content);
                start.ArgumentList.Add(local);
            }
            Directory.CreateDirectory(Path.Combine(dir, "runtime"));
            start.Environment["XDG_RUNTIME_DIR"] = Path.Combine(dir, "runtime");
            using var p = Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {p.ExitCode}\n{output}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
