using System.Diagnostics;
using System.Text.Json.Nodes;
using PSClone.Cloning;
using PSClone.Tasks;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Tasks;

public sealed class TaskRunnerTests : IDisposable
{
    private readonly TempDir _dir = new("runner");
    private readonly TaskStore _store;

    public TaskRunnerTests()
    {
        _store = new TaskStore(TaskStoreLocation.At(_dir["home"]));
        new TreeBuilder(Src).File("a.txt", "alpha").File("docs/b.txt", "beta");
        Directory.CreateDirectory(_dir["scripts"]);
    }

    public void Dispose() => _dir.Dispose();

    private string Src => _dir["src"];
    private string Dst => _dir["dst"];

    private CloneTask Add(string name = "T", Func<CloneTask, CloneTask>? adjust = null, string? source = null, string? destination = null)
    {
        var task = new CloneTask { Name = name, Source = source ?? Src, Destination = destination ?? Dst, SafetyNetMinFree = 0 };
        return _store.Add(adjust is null ? task : adjust(task));
    }

    /// <summary>An executable sh script in the test's scripts folder.</summary>
    private string Script(string name, string body)
    {
        string path = _dir[$"scripts/{name}"];
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private IReadOnlyList<CloneTaskRun> Run(CloneTask task, RecordingEvents? events = null, TaskRunner? runner = null, CancellationToken cancel = default) =>
        (runner ?? new TaskRunner(_store)).Run(_store.Get(task.Name), events ?? new RecordingEvents(), cancel);

    [Fact]
    public void Run_ClonesRecordsHistory_AndWritesAPerItemAuditLog()
    {
        var task = Add();
        var events = new RecordingEvents();
        var run = Assert.Single(Run(task, events));

        Assert.Equal(CloneStatus.Success, run.Status);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.ItemsCopied);
        Assert.Equal(9, run.BytesCopied);
        Assert.Equal("beta", File.ReadAllText(Path.Combine(Dst, "docs/b.txt")));
        Assert.Same(run, events.Items.OfType<CloneTaskRun>().Single());

        var history = _store.GetHistory(task);
        Assert.Equal(run.RunId, Assert.Single(history).RunId);
        Assert.Equal(run.EndTime, history[0].EndTime);

        string[] log = File.ReadAllLines(run.LogPath!);
        Assert.StartsWith(_store.LogFolder(task), run.LogPath);
        var items = log.Select(l => l.Split('\t')).Where(f => f[1] == "Copied").Select(f => $"{f[2]} ({f[3]})").Order().ToArray();
        Assert.Equal(["a.txt (New)", "docs/ (New)", "docs/b.txt (New)"], items);
        Assert.Contains(log, l => l.Split('\t')[1] == "Status" && l.Contains("Success (exit code 0)"));
        Assert.All(log, l => Assert.Equal(4, l.Split('\t').Length));
    }

    [Fact]
    public void PreScriptNonZero_SkipsTheRun_AndTouchesNothing()
    {
        string post = _dir["post-ran"];
        var task = Add(adjust: t => t with
        {
            PreScript = Script("pre.sh", "echo checking; exit 3"),
            PostScript = Script("post.sh", $"touch '{post}'"),
        });
        var events = new RecordingEvents();
        var run = Assert.Single(Run(task, events));

        Assert.Equal(CloneStatus.Skipped, run.Status);
        Assert.Equal(3, run.PreScriptExitCode);
        Assert.Null(run.PostScriptExitCode);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("exited with code 3", run.Message);
        Assert.False(Directory.Exists(Dst), "nothing was touched: the destination was not even created");
        Assert.False(File.Exists(post), "the post-script does not run after a skipped pre-script");
        Assert.Equal(CloneStatus.Skipped, Assert.Single(_store.GetHistory(task)).Status);
        Assert.Contains(File.ReadAllLines(run.LogPath!), l => l.EndsWith("\tPreScript\t\tchecking", StringComparison.Ordinal));
    }

    [Fact]
    public void Scripts_GetTheRunAsEnvironmentAndJson()
    {
        string preOut = _dir["pre.env"], postOut = _dir["post.env"], postJson = _dir["post.json"];
        var task = Add(adjust: t => t with
        {
            PreScript = Script("pre.sh", $"env | grep ^PSCLONE_ | sort > '{preOut}'; test ! -e \"$PSCLONE_DESTINATION\""),
            PostScript = Script("post.sh", $"env | grep ^PSCLONE_ | sort > '{postOut}'; cp \"$PSCLONE_RESULT_FILE\" '{postJson}'; exit 0"),
        });
        var run = Assert.Single(Run(task));

        Assert.Equal(CloneStatus.Success, run.Status);
        Assert.Equal(0, run.PreScriptExitCode);
        Assert.Equal(0, run.PostScriptExitCode);
        var pre = Env(preOut);
        Assert.Equal("pre", pre["PSCLONE_PHASE"]);
        Assert.Equal("T", pre["PSCLONE_TASK_NAME"]);
        Assert.Equal(Src, pre["PSCLONE_SOURCE"]);
        Assert.Equal(run.RunId.ToString(), pre["PSCLONE_RUN_ID"]);
        Assert.False(pre.ContainsKey("PSCLONE_STATUS"));
        var post = Env(postOut);
        Assert.Equal("post", post["PSCLONE_PHASE"]);
        Assert.Equal("Success", post["PSCLONE_STATUS"]);
        Assert.Equal("0", post["PSCLONE_EXIT_CODE"]);
        Assert.Equal("3", post["PSCLONE_ITEMS_COPIED"]);
        Assert.Equal("9", post["PSCLONE_BYTES_COPIED"]);
        Assert.Equal(run.LogPath, post["PSCLONE_LOG_FILE"]);
        var json = JsonNode.Parse(File.ReadAllText(postJson))!;
        Assert.Equal("post", (string?)json["phase"]);
        Assert.Equal("Success", (string?)json["run"]!["status"]);
        Assert.Equal(3, (long)json["run"]!["itemsCopied"]!);
        Assert.Equal(Dst, (string?)json["task"]!["destination"]);
        Assert.False(File.Exists(post["PSCLONE_RESULT_FILE"]), "the result file is removed after the script");
    }

    private static Dictionary<string, string> Env(string file) =>
        File.ReadAllLines(file).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void PostScriptFailure_IsAWarning_AndPostScriptRunsAfterAFailedClone()
    {
        string seen = _dir["post-status"];
        var task = Add(adjust: t => t with { PostScript = Script("post.sh", $"echo \"$PSCLONE_STATUS $PSCLONE_EXIT_CODE\" >> '{seen}'; exit 7") });
        var first = Assert.Single(Run(task));
        Assert.Equal(CloneStatus.CompletedWithWarnings, first.Status);
        Assert.Equal(7, first.PostScriptExitCode);
        Assert.Equal(1, first.Warnings);

        Directory.Delete(Src, recursive: true);
        var events = new RecordingEvents();
        var second = Assert.Single(Run(task, events));
        Assert.Equal(CloneStatus.Failed, second.Status);
        Assert.Equal("SourceNotFound", second.ErrorId);
        Assert.Equal(2, second.ExitCode);
        Assert.Equal("SourceNotFound", Assert.Single(events.Errors).ErrorId);
        Assert.Equal(["Success 0", "Failed 2"], File.ReadAllLines(seen));
    }

    [Fact]
    public void PreScriptThatCannotStartOrHangs_FailsTheRun_WithNothingDone()
    {
        var missing = Add("Missing", t => t with { PreScript = _dir["scripts/nope.sh"] });
        var run = Assert.Single(Run(missing));
        Assert.Equal(CloneStatus.Failed, run.Status);
        Assert.Equal("PreScriptFailed", run.ErrorId);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("does not exist", run.Message);

        var hangs = Add("Hangs", t => t with { PreScript = Script("hang.sh", "sleep 60"), ScriptTimeout = TimeSpan.FromSeconds(1) });
        var clock = Stopwatch.StartNew();
        run = Assert.Single(Run(hangs));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the timeout stopped the script");
        Assert.Equal(CloneStatus.Failed, run.Status);
        Assert.Contains("did not finish within 1s", run.Message);
        Assert.False(Directory.Exists(Dst));
    }

    [Fact]
    public void DestinationHeldByAnotherRun_SkipsBeforeThePreScript()
    {
        string preRan = _dir["pre-ran"];
        var task = Add(adjust: t => t with { PreScript = Script("pre.sh", $"touch '{preRan}'") });
        Directory.CreateDirectory(Dst);
        RunResult(task); // a first run leaves the lock file (unlocked)
        File.Delete(preRan);
        using (DestinationLock.Acquire(Dst))
        {
            var run = Assert.Single(Run(task));
            Assert.Equal(CloneStatus.Skipped, run.Status);
            Assert.Contains("Another run holds the destination", run.Message);
            Assert.False(File.Exists(preRan));
        }
        Assert.False(DestinationLock.IsHeld(Dst));
        Assert.Equal(CloneStatus.Success, RunResult(task).Status);
    }

    private CloneTaskRun RunResult(CloneTask task) => Run(task)[0];

    [Fact]
    public void DestinationLockedRaceInTheEngine_IsRecordedAsSkipped()
    {
        var task = Add();
        var runner = new TaskRunner(_store)
        {
            Clone = (r, e, c) => throw new PSCloneException("DestinationLocked", FailureKind.ResourceBusy, "busy", r.Destination),
        };
        var run = Assert.Single(Run(task, runner: runner));
        Assert.Equal(CloneStatus.Skipped, run.Status);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void Chains_RunOnSuccessOrAlways_AndCyclesRunEachTaskOnce()
    {
        Add("B", destination: _dir["dstB"]);
        Add("C", destination: _dir["dstC"]);
        var a = Add("A", t => t with { RunAfter = [new() { Task = "B" }, new() { Task = "C", When = RunAfterCondition.Always }, new() { Task = "Ghost" }] });
        var events = new RecordingEvents();
        var runs = Run(a, events);
        Assert.Equal(["A", "B", "C"], runs.Select(r => r.TaskName));
        Assert.Equal([null, "A", "A"], runs.Select(r => r.TriggeredBy));
        Assert.Equal("RunAfterTaskNotFound", Assert.Single(events.Errors).ErrorId);
        Assert.True(File.Exists(Path.Combine(_dir["dstC"], "a.txt")));

        // A failed run: only the Always link runs.
        _store.Update("A", t => t with { Source = _dir["missing"], RunAfter = [new() { Task = "B" }, new() { Task = "C", When = RunAfterCondition.Always }] });
        runs = Run(a);
        Assert.Equal(["A:Failed", "C:Success"], runs.Select(r => $"{r.TaskName}:{r.Status}"));

        // A cycle written by hand (the store refuses to save one): each task runs once, with a warning.
        _store.Update("A", t => t with { Source = Src });
        var c = JsonNode.Parse(File.ReadAllText(_store.PathOf("C")))!;
        c["runAfter"] = new JsonArray(new JsonObject { ["task"] = "A", ["when"] = "Always" });
        File.WriteAllText(_store.PathOf("C"), c.ToJsonString());
        events = new RecordingEvents();
        runs = Run(a, events);
        Assert.Equal(["A", "B", "C"], runs.Select(r => r.TaskName));
        Assert.Contains(events.Warnings, w => w.Contains("already ran in this chain"));
        Assert.Single(_store.GetHistory(_store.Get("C")), r => r.TriggeredBy == "A" && r.StartTime > runs[0].StartTime);
    }

    [Fact]
    public void Webhook_PostsTheRunsJson_AlwaysOrOnlyOnFailure()
    {
        using var hook = new FakeWebhook();
        var always = Add("Always", t => t with { Notification = new() { Webhook = hook.Url, On = NotifyOn.Always } });
        var run = Assert.Single(Run(always));
        Assert.True(hook.Requests.TryTake(out var request, TimeSpan.FromSeconds(10)));
        Assert.Equal("POST /hook HTTP/1.1", request.RequestLine);
        Assert.StartsWith("application/json", request.ContentType);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("Success", (string?)body["status"]);
        Assert.Equal(run.RunId.ToString(), (string?)body["runId"]);
        Assert.Equal("Always", (string?)body["taskName"]);
        Assert.NotNull(body["startTime"]);
        Assert.Equal(3, (long)body["itemsCopied"]!);

        var onFailure = Add("OnFailure", t => t with { Notification = new() { Webhook = hook.Url }, Destination = _dir["dst2"] });
        Assert.Equal(CloneStatus.Success, Assert.Single(Run(onFailure)).Status);
        Assert.False(hook.Requests.TryTake(out _, TimeSpan.FromMilliseconds(300)), "a successful run is not notified");
        _store.Update("OnFailure", t => t with { Source = _dir["missing"] });
        Assert.Equal(CloneStatus.Failed, Assert.Single(Run(onFailure)).Status);
        Assert.True(hook.Requests.TryTake(out request, TimeSpan.FromSeconds(10)));
        Assert.Equal("SourceNotFound", (string?)JsonNode.Parse(request.Body)!["errorId"]);
    }

    [Fact]
    public void WebhookThatHangsOrIsDown_TimesOut_AndTheRunStillSucceeds()
    {
        using var hook = new FakeWebhook(hang: true);
        var task = Add(adjust: t => t with { Notification = new() { Webhook = hook.Url, On = NotifyOn.Always, Timeout = TimeSpan.FromSeconds(1) } });
        var events = new RecordingEvents();
        var clock = Stopwatch.StartNew();
        var run = Assert.Single(Run(task, events));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the webhook's timeout ended the wait");
        Assert.Equal(CloneStatus.Success, run.Status);
        Assert.Single(hook.Requests);
        Assert.Contains(events.Warnings, w => w.Contains("did not answer within 1s"));
        Assert.Equal(CloneStatus.Success, Assert.Single(_store.GetHistory(task)).Status);
        Assert.Contains(File.ReadAllLines(run.LogPath!), l => l.Contains("\tNotify\t") && l.Contains("did not answer"));

        // Nothing listening at all.
        _store.Update("T", t => t with { Notification = t.Notification! with { Webhook = "http://127.0.0.1:1/none" } });
        events = new RecordingEvents();
        Assert.Equal(CloneStatus.Success, Assert.Single(Run(task, events)).Status);
        Assert.Contains(events.Warnings, w => w.Contains("could not be reached"));
    }

    [Fact]
    public void RaisedSafetyNetLimit_IsSavedWithTheTask()
    {
        var task = Add(adjust: t => t with { SafetyNetMinFree = 1000 });
        var runner = new TaskRunner(_store)
        {
            Clone = (r, e, c) => new CloneEngine().Run(r, e, c) with { AdjustedMinFreeBytes = 5000 },
        };
        var run = Assert.Single(Run(task, runner: runner));
        Assert.Equal(5000, run.AdjustedMinFreeBytes);
        Assert.Equal(5000, _store.Get("T").SafetyNetMinFree);
        // A limit someone raised by hand in the meantime is never lowered.
        _store.Update("T", t => t with { SafetyNetMinFree = 9000 });
        Run(task, runner: runner);
        Assert.Equal(9000, _store.Get("T").SafetyNetMinFree);
    }

    /// <summary>A real full disk: a 4 MiB tmpfs whose SafetyNet must be pruned to fit the new version.</summary>
    [RootFact]
    public void DestinationThatFillsUp_RaisesTheLimit_AndTheTaskKeepsIt()
    {
        string mount = _dir["small"];
        Directory.CreateDirectory(mount);
        Sh($"mount -t tmpfs -o size=4m psclone-test '{mount}'");
        try
        {
            File.Delete(Path.Combine(Src, "a.txt"));
            Directory.Delete(Path.Combine(Src, "docs"), recursive: true);
            var task = Add(destination: Path.Combine(mount, "dst"));
            foreach (int size in new[] { 1_500_000, 1_500_000 })
            {
                File.WriteAllBytes(Path.Combine(Src, "big"), RandomBytes(size));
                Assert.Equal(CloneStatus.Success, Assert.Single(Run(task)).Status);
            }
            Assert.Equal(0, _store.Get("T").SafetyNetMinFree);

            // Old version (1.5 MB) to the SafetyNet, next to last run's (1.5 MB): 2 MB more does not fit.
            File.WriteAllBytes(Path.Combine(Src, "big"), RandomBytes(2_000_000));
            var events = new RecordingEvents();
            var run = Assert.Single(Run(task, events));
            Assert.True(run.Status is CloneStatus.Success or CloneStatus.CompletedWithWarnings, run.Status.ToString());
            Assert.Contains(events.Warnings, w => w.Contains("filled up"));
            Assert.NotNull(run.AdjustedMinFreeBytes);
            Assert.Equal(run.AdjustedMinFreeBytes, _store.Get("T").SafetyNetMinFree);
            Assert.Equal(2_000_000, new FileInfo(Path.Combine(mount, "dst/big")).Length);
        }
        finally
        {
            Sh($"umount '{mount}'");
        }
    }

    private static byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static void Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true })!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{command}: {error}");
    }

    [Fact]
    public void Retention_IsAppliedToImageSnapshots_OrReportedAsNotApplied()
    {
        var task = Add(adjust: t => t with { Retention = new CloneTaskRetention { KeepLast = 2 } });
        Func<CloneRequest, IEngineEvents, CancellationToken, CloneRunResult> image = (r, e, c) => new CloneEngine().Run(r, e, c) with { SnapshotId = "snap-1" };

        var events = new RecordingEvents();
        var run = Assert.Single(Run(task, events, new TaskRunner(_store) { Clone = image, Retention = null }));
        Assert.Equal(CloneStatus.CompletedWithWarnings, run.Status);
        Assert.Contains(events.Warnings, w => w.Contains("no snapshot retention is available"));

        var retention = new CountingRetention();
        run = Assert.Single(Run(task, null, new TaskRunner(_store) { Clone = image, Retention = retention }));
        Assert.Equal(CloneStatus.Success, run.Status);
        Assert.Equal(4, run.SnapshotsPruned);
        Assert.Equal((Dst, 2), (retention.Destination, retention.Policy!.KeepLast));

        // A folder destination has no snapshots: nothing to prune, nothing to warn about.
        run = Assert.Single(Run(task, null, new TaskRunner(_store) { Retention = retention }));
        Assert.Equal(CloneStatus.Success, run.Status);
        Assert.Equal(0, run.SnapshotsPruned);
    }

    private sealed class CountingRetention : ISnapshotRetention
    {
        public string? Destination;
        public CloneTaskRetention? Policy;

        public int Apply(string destination, CloneTaskRetention policy, IEngineEvents events, CancellationToken cancel)
        {
            Destination = destination;
            Policy = policy;
            return 4;
        }
    }

    [Fact]
    public void CanceledRun_IsRecorded_AndStopsTheChain()
    {
        Add("Next", destination: _dir["dst2"]);
        var task = Add(adjust: t => t with { RunAfter = [new() { Task = "Next", When = RunAfterCondition.Always }] });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var run = Assert.Single(Run(task, cancel: cancel.Token));
        Assert.Equal(CloneStatus.Canceled, run.Status);
        Assert.Equal(3, run.ExitCode);
        Assert.Equal(CloneStatus.Canceled, Assert.Single(_store.GetHistory(task)).Status);
    }
}
