namespace PSClone;

/// <summary>One run of a task: a history entry. Written to the task's history, posted to its
/// webhook, given to its post-script, and what Invoke-CloneTask emits.</summary>
public sealed record CloneTaskRun
{
    public required string TaskName { get; init; }
    public required Guid TaskId { get; init; }
    public required Guid RunId { get; init; }
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }
    public TimeSpan Duration => EndTime - StartTime;
    public required CloneStatus Status { get; init; }

    /// <summary>The psclone exit code this run maps to: 0 done, 1 some items failed, 2 refused
    /// (nothing changed), 3 interrupted or the destination failed.</summary>
    public int ExitCode { get; init; }

    /// <summary>Why the run was skipped, failed or canceled, in one sentence.</summary>
    public string? Message { get; init; }

    /// <summary>The error id that stopped the run (Failed), e.g. SourceNotFound.</summary>
    public string? ErrorId { get; init; }

    /// <summary>The task whose run started this one through RunAfter.</summary>
    public string? TriggeredBy { get; init; }
    public string ComputerName { get; init; } = Environment.MachineName;
    public long ItemsScanned { get; init; }
    public long ItemsCopied { get; init; }
    public long ItemsUpdated { get; init; }
    public long ItemsArchived { get; init; }
    public long ItemsDeleted { get; init; }
    public long ItemsSkipped { get; init; }
    public long ItemsFailed { get; init; }
    public long ItemsVerified { get; init; }
    public long BytesCopied { get; init; }
    public int Errors { get; init; }
    public int Warnings { get; init; }

    /// <summary>The error messages of the run (items that failed, the error that stopped it, hooks).</summary>
    public IReadOnlyList<string> ErrorMessages { get; init; } = Array.Empty<string>();

    /// <summary>The per-item audit log of this run.</summary>
    public string? LogPath { get; init; }
    public string? SafetyNetFolder { get; init; }

    /// <summary>Set when auto-adjust raised the SafetyNet free-space limit; it was saved with the task.</summary>
    public long? AdjustedMinFreeBytes { get; init; }
    public string? SnapshotId { get; init; }

    /// <summary>Snapshots removed by the task's retention policy after the run.</summary>
    public int SnapshotsPruned { get; init; }
    public int? PreScriptExitCode { get; init; }
    public int? PostScriptExitCode { get; init; }

    public override string ToString() => $"{TaskName} {Status} {StartTime:yyyy-MM-dd HH:mm:ss}";
}

/// <summary>Is this backup healthy? The answer of Test-CloneTask / psclone task test.</summary>
public sealed record CloneTaskHealth
{
    public required string Name { get; init; }
    public required Guid TaskId { get; init; }
    public required bool Healthy { get; init; }
    public required CloneTaskHealthReason Reason { get; init; }

    /// <summary>The reason in a sentence, with what to do.</summary>
    public required string Message { get; init; }
    public required TimeSpan MaxAge { get; init; }

    /// <summary>End of the last run that completed (Success or CompletedWithWarnings).</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>Time since <see cref="LastSuccess"/>.</summary>
    public TimeSpan? Age { get; init; }
    public DateTimeOffset? LastRun { get; init; }
    public CloneStatus? LastStatus { get; init; }
    public required string Destination { get; init; }

    /// <summary>The store of the task, so a health object piped to Invoke-CloneTask finds it
    /// (Test-CloneTask | Where-Object -Not Healthy | Invoke-CloneTask binds Name and Scope).</summary>
    public TaskScope Scope { get; init; }

    public override string ToString() => $"{Name}: {(Healthy ? "healthy" : Message)}";
}

/// <summary>Why a task is (not) healthy, most serious first.</summary>
public enum CloneTaskHealthReason
{
    Healthy,
    NeverRun,
    DestinationUnreachable,
    NeverSucceeded,
    LastRunFailed,
    LastSuccessTooOld,
}

/// <summary>A task file that could not be loaded; the other tasks load regardless.</summary>
public sealed record TaskFileProblem
{
    /// <summary>The task name the file stands for (its file name without .json).</summary>
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required string ErrorId { get; init; }
    public required string Message { get; init; }

    public override string ToString() => $"{Name}: {Message}";
}
