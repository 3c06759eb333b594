namespace PSClone;

/// <summary>An item the SafetyNet keeps: an old version or a deleted item, at its original relative path.</summary>
public sealed record SafetyNetItem
{
    /// <summary>The clone destination whose SafetyNet holds the item.</summary>
    public required string Destination { get; init; }

    /// <summary>The run folder name, e.g. "2026-11-21 22-15-03".</summary>
    public required string RunName { get; init; }

    /// <summary>The item's original path relative to the destination, with '/' separators.</summary>
    public required string RelativePath { get; init; }
    public required SafetyNetReason Reason { get; init; }
    public required ItemType ItemType { get; init; }

    /// <summary>Bytes of the item (for a folder, of all files it holds).</summary>
    public long Size { get; init; }
    public required DateTimeOffset ArchivedAt { get; init; }
    public DateTimeOffset LastWriteTime { get; init; }

    /// <summary>Where the item is now, inside the SafetyNet.</summary>
    public required string ArchivedPath { get; init; }

    public override string ToString() => $"{RunName}/{RelativePath}";
}

/// <summary>One run folder of a SafetyNet.</summary>
public sealed record SafetyNetRun
{
    public required string Destination { get; init; }
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required DateTimeOffset ArchivedAt { get; init; }
    public long ItemCount { get; init; }
    public long Size { get; init; }

    public override string ToString() => Name;
}

/// <summary>SafetyNet pruning limits; null means "no limit of this kind".</summary>
public sealed record SafetyNetLimits
{
    public const long DefaultMinFreeBytes = 25L * 1024 * 1024 * 1024;

    /// <summary>Prune oldest runs while the destination has less free space than this.</summary>
    public long? MinFreeBytes { get; init; } = DefaultMinFreeBytes;

    /// <summary>Prune runs older than this.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Keep at most this many bytes, counted from the newest run.</summary>
    public long? MaxSizeBytes { get; init; }

    public static readonly SafetyNetLimits None = new() { MinFreeBytes = null };
}
