using PSClone.Tasks;

namespace PSClone.Tests.Support;

/// <summary>History entries made up for tests that need a task's past without running it.</summary>
internal static class HistoryRuns
{
    /// <summary>A run of <paramref name="task"/> that started at <paramref name="start"/>, lasted a
    /// minute and ended with <paramref name="status"/> (and the exit code that status maps to).</summary>
    public static CloneTaskRun Make(CloneTask task, DateTimeOffset start, CloneStatus status) => new()
    {
        TaskName = task.Name,
        TaskId = task.Id,
        RunId = Guid.NewGuid(),
        Source = task.Source,
        Destination = task.Destination,
        StartTime = start,
        EndTime = start.AddMinutes(1),
        Status = status,
        ExitCode = TaskRunner.ExitCodeFor(status),
    };
}
