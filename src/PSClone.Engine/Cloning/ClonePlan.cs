using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Cloning;

internal enum StepKind
{
    /// <summary>Unchanged; a folder destination does nothing, an image carries it into the snapshot.</summary>
    Keep,
    MakeDirectory,
    CopyFile,
    UpdateFile,
    MakeSymlink,
    UpdateSymlink,
    MakeHardLink,
    UpdateMetadata,

    /// <summary>Take an existing item out of the way: an extra, or an item whose type changes to or from a folder.</summary>
    Remove,
    SkipSpecial,
    Fail,
}

/// <summary>Files linked together in the source (same device and inode); the first member in
/// tree order is copied, the others become links to its copy.</summary>
internal sealed class HardLinkGroup
{
    public required string LeaderPath { get; init; }
    public FsEntry? LeaderExisting { get; set; }
    public bool LeaderChanges { get; set; }
    public PlanStep? LeaderStep { get; set; }
}

/// <summary>One planned change. The same steps drive a dry run's report and the real run.</summary>
internal sealed class PlanStep
{
    public required StepKind Kind { get; init; }
    public required string RelativePath { get; init; }

    /// <summary>The wanted item (from the source).</summary>
    public FsEntry? Source { get; init; }

    /// <summary>The item now at the destination that this step replaces, updates or removes.</summary>
    public FsEntry? Existing { get; init; }

    /// <summary>What happens to <see cref="Existing"/> when it is replaced or removed.</summary>
    public Disposition OldDisposition { get; init; } = Disposition.Leave;
    public Displacement Why { get; init; } = Displacement.Modified;
    public required string Reason { get; init; }
    public MetadataParts Metadata { get; init; }
    public HardLinkGroup? Group { get; init; }

    /// <summary>Set when the step puts an item where one of another type was (reported as Updated).</summary>
    public bool ReplacesOtherType { get; init; }

    public int Index { get; set; }

    public bool MovesData => Kind is StepKind.CopyFile or StepKind.UpdateFile;
    public long Bytes => MovesData ? Source!.Size : 0;
    public bool IsAtRoot => !RelativePath.Contains('/');
}

/// <summary>The whole plan of a run plus the figures the guards and progress need.</summary>
internal sealed class ClonePlan
{
    public List<PlanStep> Steps { get; } = new();
    public long SourceItems { get; set; }
    public long DestinationItems { get; set; }

    /// <summary>Destination items whose name also exists in the source.</summary>
    public long MatchedItems { get; set; }

    /// <summary>Items that would leave the destination because they are no longer in the source
    /// (counting everything inside removed folders).</summary>
    public long ItemsLeavingAsDeleted { get; set; }
    public long BytesToCopy => Steps.Sum(s => s.Bytes);
    public int ChangeCount => Steps.Count(s => s.Kind != StepKind.Keep);
}
