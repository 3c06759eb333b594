using PSClone.Platform;

namespace PSClone.Cloning;

/// <summary>What the planner may compare on this destination.</summary>
internal sealed record DestinationTraits
{
    public bool CompareOwner { get; init; }
    public bool CompareXattrs { get; init; }
    public bool ComparePermissions { get; init; } = true;
    public bool CompareAttributes { get; init; }
    public bool CompareLinkTimes { get; init; } = true;
    public long TimeResolutionNs { get; init; } = 1;

    /// <summary>The traits of a folder on this file system, with the time resolution its marker recorded.</summary>
    public static DestinationTraits For(IFileSystem fs, DestinationMarker? marker) => new()
    {
        CompareOwner = fs.CanPreserveOwner,
        CompareXattrs = (fs.AlwaysLost & MetadataLoss.ExtendedAttributes) == 0,
        ComparePermissions = (fs.AlwaysLost & MetadataLoss.Permissions) == 0,
        CompareAttributes = (fs.AlwaysLost & MetadataLoss.FileAttributes) == 0,
        CompareLinkTimes = fs.CanSetLinkTimes,
        TimeResolutionNs = Math.Max(1, marker?.TimeResolutionNs ?? 1),
    };

    /// <summary>True when unchanged items must be planned too (an image's new snapshot lists them).</summary>
    public bool RecordsUnchanged { get; init; }

    /// <summary>Whether displaced items can be archived (a folder's SafetyNet); images keep history in snapshots.</summary>
    public bool HasSafetyNet { get; init; } = true;
}

/// <summary>The destination side of the one clone pipeline: a folder, or a backup image. The engine
/// plans against <see cref="ReadExisting"/>, and <see cref="PlanRunner"/> feeds the steps to
/// <see cref="Apply"/> in dependency order (removals, folders, files in parallel, hard links).</summary>
internal interface ICloneDestination : IDisposable
{
    string Display { get; }
    DestinationTraits Traits { get; }

    /// <summary>True when the destination is known to be a PSClone destination (marker or image):
    /// the run lock is then taken before scanning, so a second run fails at once.</summary>
    bool IsKnown { get; }

    /// <summary>For a real run: creates what must exist and takes the run lock.</summary>
    void Open(DateTimeOffset started);

    /// <summary>Items whose status-change times are older than these (source, destination) need no
    /// extended-attribute comparison: an earlier complete run compared or wrote them. long.MinValue when unknown.</summary>
    (long Source, long Destination) XattrsUnchangedBeforeNs { get; }

    /// <summary>Items found by <see cref="ReadExisting"/>.</summary>
    long ExistingCount { get; }

    /// <summary>The "cloned onto the wrong disk" guard; throws when the destination is not this source's.</summary>
    void CheckIdentity(ClonePlan plan);

    /// <summary>The destination's current state; null when it holds nothing yet.</summary>
    FsEntry? ReadExisting(ScanOptions options, Action<string, string, Exception> onError, CancellationToken cancel);

    /// <summary>Called once the plan is approved, before any step: clean-up, identity, pruning.</summary>
    void Prepare(ClonePlan plan, IEngineEvents events, CancellationToken cancel);

    /// <summary>Carries out one step. File steps may run in parallel; the runner orders the rest.</summary>
    void Apply(PlanStep step, CancellationToken cancel);

    /// <summary>The destination is full while applying <paramref name="step"/>: make room if the
    /// destination can (SafetyNet auto-adjust). True to retry the step, false to stop the run.</summary>
    bool TryMakeRoom(PlanStep step, long bytesCopiedSoFar, int roomMadeBefore, IEngineEvents events, CancellationToken cancel);

    /// <summary>How many times room has been made. A step reads it before it starts, so a step that ran
    /// out of space while another step was making room just tries again.</summary>
    int RoomMade { get; }

    /// <summary>Bytes the destination can still take.</summary>
    long AvailableBytes { get; }

    /// <summary>Opens a copied file for verification.</summary>
    Stream OpenRead(string relativePath);

    /// <summary>Completes the run: folder metadata stamped after children, or the snapshot committed.</summary>
    DestinationSummary Finish(FsEntry sourceRoot, bool completed, CancellationToken cancel);

    /// <summary>Metadata this destination could not keep during the run.</summary>
    MetadataLoss Loss { get; }
}

internal sealed record DestinationSummary
{
    public string? SafetyNetFolder { get; init; }
    public long ItemsArchived { get; init; }
    public int SafetyNetRunsPruned { get; init; }
    public long? AdjustedMinFreeBytes { get; init; }
    public string? SnapshotId { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}
