using System.Globalization;

namespace PSClone;

/// <summary>When a task runs. Times are local wall-clock times of the machine.</summary>
public sealed record CloneTaskSchedule
{
    public required CloneScheduleKind Kind { get; init; }

    /// <summary>Daily and Weekly: the time of day. Hourly: the minutes past the hour.</summary>
    public TimeSpan At { get; init; }

    /// <summary>Weekly: the days it runs on.</summary>
    public IReadOnlyList<DayOfWeek> DaysOfWeek { get; init; } = Array.Empty<DayOfWeek>();

    /// <summary>Interval: the time between runs (whole minutes, 1 minute to 31 days).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Where the schedule is registered; null when it is only saved with the task.</summary>
    public SchedulerKind? Scheduler { get; init; }

    public static CloneTaskSchedule Daily(TimeSpan at) => new() { Kind = CloneScheduleKind.Daily, At = at };
    public static CloneTaskSchedule Hourly(int minute = 0) => new() { Kind = CloneScheduleKind.Hourly, At = TimeSpan.FromMinutes(minute) };
    public static CloneTaskSchedule Weekly(TimeSpan at, params DayOfWeek[] days) => new() { Kind = CloneScheduleKind.Weekly, At = at, DaysOfWeek = days };
    public static CloneTaskSchedule Every(TimeSpan interval) => new() { Kind = CloneScheduleKind.Interval, Interval = interval };

    /// <summary>The same schedule, ignoring where it is registered.</summary>
    public bool SameTimes(CloneTaskSchedule? other) =>
        other is not null && Kind == other.Kind && At == other.At && Interval == other.Interval && DaysOfWeek.SequenceEqual(other.DaysOfWeek);

    public override string ToString()
    {
        string at = At.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        return Kind switch
        {
            CloneScheduleKind.Daily => $"Daily at {at}",
            CloneScheduleKind.Hourly => $"Hourly at minute {At.Minutes}",
            CloneScheduleKind.Weekly => $"Weekly on {string.Join(",", DaysOfWeek.Select(d => d.ToString()[..3]))} at {at}",
            _ => $"Every {(Interval is { } i ? Age.Format(i) : "?")}",
        };
    }
}

public enum CloneScheduleKind
{
    Daily,
    Hourly,
    Weekly,
    Interval,
}

/// <summary>The platform schedulers a task can be registered with.</summary>
public enum SchedulerKind
{
    /// <summary>A systemd timer and service (Linux with systemd).</summary>
    Systemd,

    /// <summary>A crontab line (Linux without systemd; per user) or an /etc/cron.d file (machine-wide).</summary>
    Cron,

    /// <summary>Windows Task Scheduler, from an XML definition registered with schtasks.</summary>
    TaskScheduler,

    /// <summary>A launchd agent (per user) or daemon (machine-wide) on macOS.</summary>
    Launchd,
}

/// <summary>A task's schedule as a platform scheduler takes it: the exact files and commands.
/// What Register-CloneTaskSchedule -WhatIf and psclone task schedule --dry-run show, and what a
/// real registration writes and runs.</summary>
public sealed record CloneTaskScheduleRegistration
{
    public required string TaskName { get; init; }
    public required SchedulerKind Scheduler { get; init; }
    public required TaskScope Scope { get; init; }
    public required CloneTaskSchedule Schedule { get; init; }

    /// <summary>What the scheduler runs, as a shell would write it.</summary>
    public required string CommandLine { get; init; }

    /// <summary>The files written (unit files, plist, crontab line, Task Scheduler XML), with their full text.</summary>
    public required IReadOnlyList<ScheduleFile> Files { get; init; }

    /// <summary>The commands run to load the schedule, as a shell would write them.</summary>
    public required IReadOnlyList<string> Commands { get; init; }

    /// <summary>After a registration: false when everything was already in place and nothing was written.</summary>
    public bool Changed { get; init; }

    public override string ToString() => $"{TaskName}: {Schedule} ({Scheduler})";
}

/// <summary>One file a registration writes. For a per-user crontab, Path names the crontab and
/// Content is the task's line.</summary>
public sealed record ScheduleFile(string Path, string Content);
