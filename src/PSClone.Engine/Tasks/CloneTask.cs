using System.Text.Json.Serialization;
using PSClone.Tasks;

namespace PSClone;

/// <summary>A named, saved clone configuration: what to clone where, with which options, and what
/// happens around a run (scripts, chained tasks, notifications, schedule). One JSON file per task
/// in the task store; property names here are the file's (camelCase) and the cmdlets' parameters.</summary>
public sealed record CloneTask
{
    /// <summary>Unique in its store, compared case-insensitively; letters, digits, '.', '_' and '-'.</summary>
    public required string Name { get; init; }

    /// <summary>Stable identity: history is kept by id. A hand-written file without one gets an id
    /// derived from the name until the task is next saved.</summary>
    public Guid Id { get; init; }

    public string? Description { get; init; }

    /// <summary>Absolute path of the folder to clone.</summary>
    public required string Source { get; init; }

    /// <summary>Absolute path of the destination: a folder, or a backup image where images are supported.</summary>
    public required string Destination { get; init; }

    // The clone options, named as Invoke-Clone's parameters (CloneRequest holds the same set).
    public SafetyNetMode SafetyNet { get; init; } = SafetyNetMode.On;
    public bool? ProtectRootItems { get; init; }
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    public string? FilterFile { get; init; }
    public bool Checksum { get; init; }
    public bool Verify { get; init; }

    /// <summary>Clone even onto a destination that belongs to another source or holds unrelated items.</summary>
    public bool Force { get; init; }
    public int? MaxDelete { get; init; }
    public double MaxDeletePercent { get; init; } = 50;

    /// <summary>SafetyNet free-space limit in bytes (null: none). Auto-adjust raises it and the raised value is saved here.</summary>
    [JsonConverter(typeof(SizeJsonConverter))]
    public long? SafetyNetMinFree { get; init; } = SafetyNetLimits.DefaultMinFreeBytes;
    public TimeSpan? SafetyNetMaxAge { get; init; }

    [JsonConverter(typeof(SizeJsonConverter))]
    public long? SafetyNetMaxSize { get; init; }
    public bool AutoAdjust { get; init; } = true;
    public int RetryCount { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public bool Durable { get; init; }

    /// <summary>Parallel copy workers (Invoke-Clone's -ThrottleLimit); null picks one from the processor count.</summary>
    public int? Parallelism { get; init; }

    /// <summary>Snapshot retention, applied after a successful run to an image destination.</summary>
    public CloneTaskRetention? Retention { get; init; }

    /// <summary>Runs before the clone; a non-zero exit skips the run (status Skipped, nothing touched).</summary>
    public string? PreScript { get; init; }

    /// <summary>Runs after every run that got past the pre-script, with the run's result.</summary>
    public string? PostScript { get; init; }

    /// <summary>How long a pre- or post-script may run before it is stopped.</summary>
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Tasks to run after this one, in order.</summary>
    public IReadOnlyList<CloneTaskLink> RunAfter { get; init; } = Array.Empty<CloneTaskLink>();

    public CloneTaskNotification? Notification { get; init; }

    /// <summary>When the task runs; <see cref="CloneTaskSchedule.Scheduler"/> says where it is registered.</summary>
    public CloneTaskSchedule? Schedule { get; init; }

    public DateTimeOffset Created { get; init; }
    public DateTimeOffset Modified { get; init; }

    /// <summary>The store the task was read from (not saved in the file), so a piped task finds its
    /// way back: Get-CloneTask -Scope AllUsers | Invoke-CloneTask binds Name and Scope by property name.</summary>
    [JsonIgnore]
    public TaskScope Scope { get; init; }

    /// <summary>The engine request for one run of this task.</summary>
    public CloneRequest ToRequest(bool dryRun = false) => new()
    {
        Source = Source,
        Destination = Destination,
        SafetyNet = SafetyNet,
        ProtectRootItems = ProtectRootItems,
        Include = Include,
        Exclude = Exclude,
        FilterFile = FilterFile,
        Checksum = Checksum,
        Verify = Verify,
        Force = Force,
        MaxDelete = MaxDelete,
        MaxDeletePercent = MaxDeletePercent,
        SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = SafetyNetMinFree, MaxAge = SafetyNetMaxAge, MaxSizeBytes = SafetyNetMaxSize },
        AutoAdjust = AutoAdjust,
        RetryCount = RetryCount,
        RetryDelay = RetryDelay,
        Durable = Durable,
        Parallelism = Parallelism,
        DryRun = dryRun,
        TaskName = Name,
    };

    /// <summary>This task with the clone options (and paths) of <paramref name="request"/>: hosts parse
    /// clone options into a request once, for Invoke-Clone and tasks alike.</summary>
    public CloneTask WithRequest(CloneRequest request) => this with
    {
        Source = request.Source,
        Destination = request.Destination,
        SafetyNet = request.SafetyNet,
        ProtectRootItems = request.ProtectRootItems,
        Include = request.Include.ToArray(),
        Exclude = request.Exclude.ToArray(),
        FilterFile = request.FilterFile,
        Checksum = request.Checksum,
        Verify = request.Verify,
        Force = request.Force,
        MaxDelete = request.MaxDelete,
        MaxDeletePercent = request.MaxDeletePercent,
        SafetyNetMinFree = request.SafetyNetLimits.MinFreeBytes,
        SafetyNetMaxAge = request.SafetyNetLimits.MaxAge,
        SafetyNetMaxSize = request.SafetyNetLimits.MaxSizeBytes,
        AutoAdjust = request.AutoAdjust,
        RetryCount = request.RetryCount,
        RetryDelay = request.RetryDelay,
        Durable = request.Durable,
        Parallelism = request.Parallelism,
    };

    public override string ToString() => Name;
}

/// <summary>A task to run after another one.</summary>
public sealed record CloneTaskLink
{
    public required string Task { get; init; }
    public RunAfterCondition When { get; init; } = RunAfterCondition.Success;

    public override string ToString() => When == RunAfterCondition.Always ? $"{Task} (always)" : Task;
}

/// <summary>When a chained task runs.</summary>
public enum RunAfterCondition
{
    /// <summary>After a run that completed: Success or CompletedWithWarnings.</summary>
    Success,

    /// <summary>After every run, whatever its status (not after the run was canceled).</summary>
    Always,
}

/// <summary>An HTTP POST of the run's JSON result.</summary>
public sealed record CloneTaskNotification
{
    /// <summary>An absolute http or https URL.</summary>
    public required string Webhook { get; init; }
    public NotifyOn On { get; init; } = NotifyOn.Failure;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Which runs are notified.</summary>
public enum NotifyOn
{
    /// <summary>Every run that did not complete: CompletedWithErrors, Failed, Canceled, Skipped.</summary>
    Failure,
    Always,
}

/// <summary>How many snapshots of an image destination to keep (restic-style: each rule keeps its own).</summary>
public sealed record CloneTaskRetention
{
    public int? KeepLast { get; init; }
    public int? KeepDaily { get; init; }
    public int? KeepWeekly { get; init; }
    public int? KeepMonthly { get; init; }

    public override string ToString() => string.Join(", ", new[]
    {
        KeepLast is { } l ? $"last {l}" : null,
        KeepDaily is { } d ? $"daily {d}" : null,
        KeepWeekly is { } w ? $"weekly {w}" : null,
        KeepMonthly is { } m ? $"monthly {m}" : null,
    }.Where(s => s is not null));
}

/// <summary>Which task store: the user's own, or the machine-wide one.</summary>
public enum TaskScope
{
    CurrentUser,
    AllUsers,
}
