namespace PSClone;

/// <summary>One item of a clone: what was done (or would be, in a dry run) and why.</summary>
public sealed record CloneItemResult
{
    public required CloneAction Action { get; init; }

    /// <summary>Path relative to the source and destination roots, with '/' separators.</summary>
    public required string RelativePath { get; init; }
    public required ItemType ItemType { get; init; }
    public long Size { get; init; }

    /// <summary>Why the action was taken ("New", "Size differs", "Deleted from source", ...).</summary>
    public required string Reason { get; init; }

    /// <summary>The error message when <see cref="Action"/> is Failed.</summary>
    public string? Error { get; init; }

    public override string ToString() => $"{Action} {RelativePath}";
}

/// <summary>The summary of one clone run.</summary>
public sealed record CloneRunResult
{
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }
    public TimeSpan Duration => EndTime - StartTime;
    public required CloneStatus Status { get; init; }
    public bool DryRun { get; init; }
    public long ItemsScanned { get; init; }
    public long ItemsCopied { get; init; }
    public long ItemsUpdated { get; init; }
    public long ItemsArchived { get; init; }
    public long ItemsDeleted { get; init; }
    public long ItemsSkipped { get; init; }
    public long ItemsFailed { get; init; }
    public long BytesCopied { get; init; }
    public long ItemsVerified { get; init; }
    public int Errors { get; init; }
    public int Warnings { get; init; }

    /// <summary>The messages of the errors, in the order they happened.</summary>
    public IReadOnlyList<string> ErrorMessages { get; init; } = Array.Empty<string>();

    /// <summary>Metadata the destination could not keep (reported once per run).</summary>
    public IReadOnlyList<string> MetadataNotPreserved { get; init; } = Array.Empty<string>();

    /// <summary>The SafetyNet folder this run archived into, if it archived anything.</summary>
    public string? SafetyNetFolder { get; init; }

    /// <summary>SafetyNet run folders pruned at the start of (or during) this run.</summary>
    public int SafetyNetRunsPruned { get; init; }

    /// <summary>Set when auto-adjust raised the SafetyNet free-space limit during the run; a task saves it.</summary>
    public long? AdjustedMinFreeBytes { get; init; }

    /// <summary>Snapshot id when the destination is a backup image.</summary>
    public string? SnapshotId { get; init; }

    public override string ToString() => $"{Status}: {Source} -> {Destination}";
}

/// <summary>One difference between a source and its clone, as found by Test-Clone.</summary>
public sealed record CloneDifference
{
    public required DifferenceKind Difference { get; init; }
    public required string RelativePath { get; init; }
    public required ItemType ItemType { get; init; }
    public required string Detail { get; init; }
    public required string Source { get; init; }
    public required string Destination { get; init; }

    public override string ToString() => $"{Difference} {RelativePath}";
}

/// <summary>Progress of a long operation.</summary>
public sealed record EngineProgress
{
    public required string Activity { get; init; }
    public required string Phase { get; init; }
    public long ItemsDone { get; init; }
    public long ItemsTotal { get; init; }
    public long BytesDone { get; init; }
    public long BytesTotal { get; init; }
    public string? CurrentItem { get; init; }
    public double BytesPerSecond { get; init; }
    public TimeSpan? Remaining { get; init; }
    public bool Completed { get; init; }

    public int PercentComplete => BytesTotal > 0 ? (int)Math.Clamp(BytesDone * 100 / BytesTotal, 0, 100)
        : ItemsTotal > 0 ? (int)Math.Clamp(ItemsDone * 100 / ItemsTotal, 0, 100) : -1;
}

/// <summary>A non-terminating error about one item; the operation goes on.</summary>
public sealed record EngineError(string ErrorId, FailureKind Kind, string Message, string? Target, Exception? Exception);
