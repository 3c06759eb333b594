namespace PSClone.Tasks;

/// <summary>Is a backup healthy? Its last completed run (Success or CompletedWithWarnings) ended
/// within MaxAge, its latest run that was not skipped did not fail, and its destination can be
/// reached. The first problem found, most serious first, is the reason. This is the detection half
/// of an Intune remediation: Test-CloneTask -Quiet, or psclone task test (exit 0/1).</summary>
public sealed class TaskHealthCheck
{
    private readonly TaskStore _store;

    public TaskHealthCheck(TaskStore store) => _store = store;

    /// <summary>How long a destination may take to answer before it counts as unreachable (a hung network mount).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public CloneTaskHealth Test(CloneTask task, TimeSpan maxAge, DateTimeOffset? now = null)
    {
        if (maxAge <= TimeSpan.Zero)
            throw new PSCloneException("InvalidMaxAge", FailureKind.InvalidArgument, $"-MaxAge must be positive, not {maxAge}; for example 1d or 12h.", maxAge.ToString());
        var at = now ?? DateTimeOffset.Now;
        var history = _store.GetHistory(task);
        var lastRun = history.Count > 0 ? history[^1] : null;
        var lastSuccess = history.LastOrDefault(r => r.Status is CloneStatus.Success or CloneStatus.CompletedWithWarnings);
        var lastAttempt = history.LastOrDefault(r => r.Status != CloneStatus.Skipped);
        TimeSpan? age = lastSuccess is null ? null : at - lastSuccess.EndTime;

        CloneTaskHealth Result(CloneTaskHealthReason reason, string message) => new()
        {
            Name = task.Name,
            TaskId = task.Id,
            Healthy = reason == CloneTaskHealthReason.Healthy,
            Reason = reason,
            Message = message,
            MaxAge = maxAge,
            LastSuccess = lastSuccess?.EndTime,
            Age = age,
            LastRun = lastRun?.StartTime,
            LastStatus = lastRun?.Status,
            Destination = task.Destination,
            Scope = task.Scope,
        };

        if (lastRun is null)
            return Result(CloneTaskHealthReason.NeverRun, $"Task '{task.Name}' has never run. Run it (Invoke-CloneTask / psclone task run {task.Name}) or check its schedule.");
        if (!IsReachable(task.Destination))
            return Result(CloneTaskHealthReason.DestinationUnreachable, $"The destination '{task.Destination}' of task '{task.Name}' cannot be reached. Check that its disk is connected or its share mounted.");
        if (lastSuccess is null)
            return Result(CloneTaskHealthReason.NeverSucceeded, $"Task '{task.Name}' has never completed a run; the last one ended {lastRun.Status}{Why(lastRun)}.");
        if (lastAttempt is not null && lastAttempt.Status is not (CloneStatus.Success or CloneStatus.CompletedWithWarnings))
            return Result(CloneTaskHealthReason.LastRunFailed, $"The last run of task '{task.Name}' ({lastAttempt.StartTime:yyyy-MM-dd HH:mm}) ended {lastAttempt.Status}{Why(lastAttempt)}.");
        if (age > maxAge)
            return Result(CloneTaskHealthReason.LastSuccessTooOld,
                $"The last successful run of task '{task.Name}' ended {Age.Format(age.Value)} ago ({lastSuccess.EndTime:yyyy-MM-dd HH:mm}), more than {Age.Format(maxAge)}.");
        return Result(CloneTaskHealthReason.Healthy, $"Task '{task.Name}' last succeeded {Age.Format(age ?? TimeSpan.Zero)} ago.");
    }

    private static string Why(CloneTaskRun run) =>
        run.Message is { } m ? $": {m}" : run.ErrorMessages.Count > 0 ? $": {run.ErrorMessages[0]}" : "";

    /// <summary>A folder or an image file that answers within the probe timeout.</summary>
    private bool IsReachable(string destination)
    {
        var probe = Task.Run(() => Directory.Exists(destination) || File.Exists(destination));
        return probe.Wait(ProbeTimeout) && probe.Result;
    }
}
