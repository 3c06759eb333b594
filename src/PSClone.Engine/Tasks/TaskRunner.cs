using PSClone.Cloning;

namespace PSClone.Tasks;

/// <summary>Runs tasks: the pre-script, the clone (in this process, through <see cref="CloneEngine"/>),
/// retention, the post-script, the history entry and audit log, the webhook, then the tasks chained
/// after it. One run never stops another: every problem becomes the run's status and errors.</summary>
public sealed class TaskRunner
{
    private readonly TaskStore _store;

    public TaskRunner(TaskStore store)
    {
        _store = store;
        Retention = new Images.ImageSnapshotRetention(() => Passphrase());
    }

    /// <summary>Applies a task's retention to an image destination after a successful run. When
    /// null, retention is reported as not applied.</summary>
    public ISnapshotRetention? Retention { get; init; }

    /// <summary>The passphrase of an encrypted image destination. A task never stores one: runs read
    /// PSCLONE_PASSPHRASE (a scheduled run has no terminal to ask on).</summary>
    public Func<Passphrase?> Passphrase { get; init; } = () => PSClone.Passphrase.FromEnvironment(PSClone.Passphrase.EnvironmentVariable);

    /// <summary>The clone itself; tests replace it to reach states a real disk rarely shows.</summary>
    internal Func<CloneRequest, IEngineEvents, CancellationToken, CloneRunResult> Clone { get; init; } =
        (request, events, cancel) => new CloneEngine().Run(request, events, cancel);

    /// <summary>Runs <paramref name="task"/>, then (unless <paramref name="runChain"/> is false) the
    /// tasks in its RunAfter whose condition holds, depth first. Each task runs at most once per call,
    /// which also breaks any cycle. Every run is reported as an item (a <see cref="CloneTaskRun"/>)
    /// as it ends, and returned in order.</summary>
    public IReadOnlyList<CloneTaskRun> Run(CloneTask task, IEngineEvents events, CancellationToken cancel, bool runChain = true)
    {
        var runs = new List<CloneTaskRun>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        RunChain(task, null, runChain, runs, seen, events, cancel);
        return runs;
    }

    private void RunChain(CloneTask task, string? triggeredBy, bool runChain, List<CloneTaskRun> runs, HashSet<string> seen,
        IEngineEvents events, CancellationToken cancel)
    {
        seen.Add(task.Name);
        var run = RunOne(task, triggeredBy, events, cancel);
        runs.Add(run);
        events.Item(run);
        if (!runChain || run.Status == CloneStatus.Canceled || cancel.IsCancellationRequested) return;
        foreach (var link in task.RunAfter)
        {
            bool completed = run.Status is CloneStatus.Success or CloneStatus.CompletedWithWarnings;
            if (link.When == RunAfterCondition.Success && !completed)
            {
                events.Verbose($"Not running '{link.Task}' after '{task.Name}': it runs only after a successful run, and this one ended {run.Status}.");
                continue;
            }
            if (seen.Contains(link.Task))
            {
                events.Warning($"Task '{link.Task}' already ran in this chain; not running it again after '{task.Name}' (its RunAfter links form a cycle or a diamond).");
                continue;
            }
            CloneTask next;
            try
            {
                next = _store.Get(link.Task);
            }
            catch (PSCloneException ex)
            {
                events.Error(new EngineError(ex.ErrorId == "TaskNotFound" ? "RunAfterTaskNotFound" : ex.ErrorId, ex.Kind,
                    $"Task '{task.Name}' should run '{link.Task}' next, but: {ex.Message}", link.Task, ex));
                continue;
            }
            RunChain(next, task.Name, runChain, runs, seen, events, cancel);
            if (cancel.IsCancellationRequested) return;
        }
    }

    /// <summary>One run of one task, recorded in its history whatever happens.</summary>
    private CloneTaskRun RunOne(CloneTask task, string? triggeredBy, IEngineEvents host, CancellationToken cancel)
    {
        var runId = Guid.NewGuid();
        var started = DateTimeOffset.Now;
        string logPath = _store.NewLogPath(task, started, runId);
        using var log = TaskAuditLog.Open(logPath);
        var events = new RunEvents(host, log);
        if (log.Problem is not null) events.Warning(log.Problem);
        log.Line("Task", "", $"{task.Name} ({task.Id}), run {runId}" + (triggeredBy is null ? "" : $", after {triggeredBy}"));
        log.Line("Source", task.Source, "");
        log.Line("Destination", task.Destination, "");

        var run = new CloneTaskRun
        {
            TaskName = task.Name,
            TaskId = task.Id,
            RunId = runId,
            Source = task.Source,
            Destination = task.Destination,
            StartTime = started,
            EndTime = started,
            Status = CloneStatus.Success,
            TriggeredBy = triggeredBy,
            LogPath = log.Problem is null ? logPath : null,
        };

        run = Execute(task, run, events, log, cancel);

        run = run with
        {
            EndTime = DateTimeOffset.Now,
            Warnings = run.Warnings + events.RunnerWarnings,
        };
        if (run.Status == CloneStatus.Success && events.RunnerWarnings > 0) run = run with { Status = CloneStatus.CompletedWithWarnings };
        run = run with { ExitCode = ExitCodeFor(run.Status, run.ExitCode) };
        log.Line("Status", "", $"{run.Status} (exit code {run.ExitCode}) in {run.Duration.TotalSeconds:0.0} s: {run.ItemsCopied} copied, {run.ItemsUpdated} updated, " +
            $"{run.ItemsArchived} archived, {run.ItemsDeleted} deleted, {run.ItemsFailed} failed, {run.BytesCopied} bytes" + (run.Message is null ? "" : $"; {run.Message}"));
        log.Flush();

        try
        {
            _store.AppendHistory(task, run);
        }
        catch (PSCloneException ex)
        {
            host.Error(new EngineError(ex.ErrorId, ex.Kind, ex.Message, task.Name, ex));
        }

        if (task.Notification is { } notification && WebhookNotifier.ShouldNotify(notification, run.Status))
        {
            string? problem = WebhookNotifier.Post(notification, run, CancellationToken.None);
            log.Line("Notify", notification.Webhook, problem ?? "delivered");
            if (problem is not null) host.Warning(problem);
        }
        return run;
    }

    /// <summary>Pre-script, clone, retention, post-script. Returns the run with its status and counts.</summary>
    private CloneTaskRun Execute(CloneTask task, CloneTaskRun run, RunEvents events, TaskAuditLog log, CancellationToken cancel)
    {
        if (DestinationLock.IsHeld(task.Destination))
            return Skipped(run, events, $"Another run holds the destination '{task.Destination}'; this run was skipped.");

        if (task.PreScript is { } pre)
        {
            log.Line("PreScript", pre, "starting");
            ScriptOutcome outcome;
            try
            {
                outcome = ScriptHook.Run(pre, "pre", task, null, run.RunId, run.LogPath, line => log.Line("PreScript", "", line), cancel);
            }
            catch (OperationCanceledException)
            {
                return run with { Status = CloneStatus.Canceled, Message = "The run was canceled while its pre-script ran." };
            }
            log.Line("PreScript", pre, outcome.Problem ?? $"exit code {outcome.ExitCode}");
            run = run with { PreScriptExitCode = outcome.ExitCode };
            if (outcome.Problem is not null)
                return Failed(run, events, "PreScriptFailed", FailureKind.InvalidOperation, $"The pre-script of task '{task.Name}' failed: {outcome.Problem}; nothing was cloned.", nothingDone: true);
            if (outcome.ExitCode != 0)
                return Skipped(run, events, $"The pre-script '{pre}' exited with code {outcome.ExitCode}; the run was skipped and nothing was touched.");
        }

        run = CloneAndRetain(task, run, events, log, cancel);

        if (task.PostScript is { } post)
        {
            // After every run that got past the pre-script, even a failed or canceled one: a
            // post-script often undoes what the pre-script did (restarts a service, unmounts a disk).
            log.Line("PostScript", post, "starting");
            var interim = run with { EndTime = DateTimeOffset.Now, ExitCode = ExitCodeFor(run.Status, run.ExitCode) };
            var outcome = ScriptHook.Run(post, "post", task, interim, run.RunId, run.LogPath, line => log.Line("PostScript", "", line), CancellationToken.None);
            log.Line("PostScript", post, outcome.Problem ?? $"exit code {outcome.ExitCode}");
            run = run with { PostScriptExitCode = outcome.ExitCode };
            if (outcome.Problem is not null || outcome.ExitCode != 0)
                events.RunnerWarning($"The post-script of task '{task.Name}' " + (outcome.Problem ?? $"exited with code {outcome.ExitCode}") + ".");
        }
        return run;
    }

    private CloneTaskRun CloneAndRetain(CloneTask task, CloneTaskRun run, RunEvents events, TaskAuditLog log, CancellationToken cancel)
    {
        CloneRunResult result;
        try
        {
            using var passphrase = Passphrase();
            result = Clone(task.ToRequest() with { Passphrase = passphrase }, events, cancel);
        }
        catch (PSCloneException ex) when (ex.ErrorId == "DestinationLocked")
        {
            return Skipped(run, events, $"Another run holds the destination '{task.Destination}'; this run was skipped.");
        }
        catch (PSCloneException ex)
        {
            return Failed(run, events, ex.ErrorId, ex.Kind, ex.Message, ex.NothingDone, ex);
        }
        catch (OperationCanceledException)
        {
            return run with { Status = CloneStatus.Canceled, Message = "The run was canceled; what was copied so far is consistent." };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(run, events, "TaskRunFailed", FailureKind.WriteError, $"Task '{task.Name}' stopped: {ex.Message}", nothingDone: false, ex);
        }

        run = run with
        {
            Source = result.Source,
            Destination = result.Destination,
            Status = result.Status,
            ItemsScanned = result.ItemsScanned,
            ItemsCopied = result.ItemsCopied,
            ItemsUpdated = result.ItemsUpdated,
            ItemsArchived = result.ItemsArchived,
            ItemsDeleted = result.ItemsDeleted,
            ItemsSkipped = result.ItemsSkipped,
            ItemsFailed = result.ItemsFailed,
            ItemsVerified = result.ItemsVerified,
            BytesCopied = result.BytesCopied,
            Errors = result.Errors,
            Warnings = result.Warnings,
            ErrorMessages = result.ErrorMessages,
            SafetyNetFolder = result.SafetyNetFolder,
            AdjustedMinFreeBytes = result.AdjustedMinFreeBytes,
            SnapshotId = result.SnapshotId,
            Message = result.Status == CloneStatus.Canceled ? "The run was canceled; what was copied so far is consistent." : null,
        };
        foreach (var loss in result.MetadataNotPreserved) log.Line("Warning", "", $"Not preserved on this destination: {loss}");

        if (result.AdjustedMinFreeBytes is { } raised) SaveRaisedLimit(task, raised, events, log);

        bool completed = result.Status is CloneStatus.Success or CloneStatus.CompletedWithWarnings;
        if (completed && task.Retention is { } policy && result.SnapshotId is not null)
        {
            if (Retention is null)
            {
                events.RunnerWarning($"Task '{task.Name}' has a retention policy ({policy}), but no snapshot retention is available to this run; none were removed.");
            }
            else
            {
                try
                {
                    run = run with { SnapshotsPruned = Retention.Apply(result.Destination, policy, events, cancel) };
                    log.Line("Retention", result.Destination, $"{policy}: {run.SnapshotsPruned} snapshot(s) removed");
                }
                catch (PSCloneException ex)
                {
                    events.RunnerWarning($"The retention policy of task '{task.Name}' could not be applied: {ex.Message}");
                }
            }
        }
        return run;
    }

    /// <summary>SPEC §3: the free-space limit auto-adjust raised is saved with the task (and can be lowered by hand).</summary>
    private void SaveRaisedLimit(CloneTask task, long raised, RunEvents events, TaskAuditLog log)
    {
        try
        {
            _store.Update(task.Name, t => t.SafetyNetMinFree is { } current && current >= raised ? t : t with { SafetyNetMinFree = raised });
            log.Line("SafetyNet", "", $"free-space limit raised to {raised} bytes and saved with the task");
            events.Verbose($"Saved the raised SafetyNet free-space limit ({ByteSize.Format(raised)}) with task '{task.Name}'.");
        }
        catch (PSCloneException ex)
        {
            events.RunnerWarning($"The raised SafetyNet free-space limit ({ByteSize.Format(raised)}) could not be saved with task '{task.Name}': {ex.Message}");
        }
    }

    private static CloneTaskRun Skipped(CloneTaskRun run, RunEvents events, string message)
    {
        events.Log.Line("Skipped", "", message);
        events.Host.Warning(message);
        return run with { Status = CloneStatus.Skipped, Message = message };
    }

    private static CloneTaskRun Failed(CloneTaskRun run, RunEvents events, string errorId, FailureKind kind, string message, bool nothingDone, Exception? ex = null)
    {
        events.Log.Line("Error", "", message);
        events.Host.Error(new EngineError(errorId, kind, message, run.TaskName, ex));
        return run with
        {
            Status = CloneStatus.Failed,
            ErrorId = errorId,
            Message = message,
            Errors = run.Errors + 1,
            ErrorMessages = run.ErrorMessages.Append(message).ToArray(),
            ExitCode = nothingDone ? 2 : 3,
        };
    }

    /// <summary>The CLI's exit codes (SPEC §1) for a run; a Failed run keeps the 2 or 3 it was given.</summary>
    public static int ExitCodeFor(CloneStatus status, int failedCode = 3) => status switch
    {
        CloneStatus.Success or CloneStatus.CompletedWithWarnings or CloneStatus.Skipped => 0,
        CloneStatus.CompletedWithErrors => 1,
        CloneStatus.Failed => failedCode is 2 or 3 ? failedCode : 3,
        _ => 3,
    };

    /// <summary>Tees the engine's events into the audit log, and counts what the runner itself adds.</summary>
    private sealed class RunEvents(IEngineEvents host, TaskAuditLog log) : IEngineEvents
    {
        private int _runnerWarnings;

        public IEngineEvents Host { get; } = host;
        public TaskAuditLog Log { get; } = log;
        public int RunnerWarnings => _runnerWarnings;

        public void Item(object item)
        {
            if (item is CloneItemResult r) Log.Item(r);
            Host.Item(item);
        }

        public void Progress(EngineProgress progress) => Host.Progress(progress);

        public void Warning(string message)
        {
            Log.Line("Warning", "", message);
            Host.Warning(message);
        }

        public void RunnerWarning(string message)
        {
            Interlocked.Increment(ref _runnerWarnings);
            Warning(message);
        }

        public void Verbose(string message) => Host.Verbose(message);

        public void Error(EngineError error)
        {
            Log.Line("Error", error.Target ?? "", error.Message);
            Host.Error(error);
        }

        public bool ShouldProcess(string target, string action) => Host.ShouldProcess(target, action);
    }
}

/// <summary>Prunes the snapshots of an image destination by a task's retention policy. The backup
/// image feature provides it; the runner calls it after each successful run that wrote a snapshot.</summary>
public interface ISnapshotRetention
{
    /// <summary>Removes the snapshots the policy does not keep; returns how many were removed.</summary>
    int Apply(string destination, CloneTaskRetention policy, IEngineEvents events, CancellationToken cancel);
}
