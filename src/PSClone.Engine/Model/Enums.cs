namespace PSClone;

/// <summary>The kind of a file-system item, as seen without following links.</summary>
public enum ItemType
{
    File,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>How a run ended (CCC's green, yellow, red and grey).</summary>
public enum CloneStatus
{
    Success,
    CompletedWithWarnings,
    CompletedWithErrors,
    Failed,
    Canceled,
    Skipped,
}

/// <summary>What a clone did (or, in a dry run, would do) to one item.</summary>
public enum CloneAction
{
    Copied,
    Updated,
    Archived,
    Deleted,
    Skipped,
    Failed,
}

/// <summary>What the SafetyNet does with items a clone would destroy.</summary>
public enum SafetyNetMode
{
    /// <summary>Old versions and deleted items move to the SafetyNet; root-only items are left alone.</summary>
    On,

    /// <summary>Replaced and deleted items are gone once the new state is in place.</summary>
    Off,

    /// <summary>Nothing is deleted: old versions move to the SafetyNet, deleted items stay in place.</summary>
    KeepAll,
}

/// <summary>Why an item is in the SafetyNet.</summary>
public enum SafetyNetReason
{
    Modified,
    Deleted,
}

/// <summary>How a destination item differs from its source.</summary>
public enum DifferenceKind
{
    Missing,
    Extra,
    ContentDiffers,
    MetadataDiffers,
}

/// <summary>Failure classes; each name is also a PowerShell ErrorCategory name, so hosts map them one to one.</summary>
public enum FailureKind
{
    NotSpecified,
    ObjectNotFound,
    InvalidArgument,
    InvalidOperation,
    InvalidData,
    PermissionDenied,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    ReadError,
    WriteError,
    OpenError,
    QuotaExceeded,
    OperationStopped,
    SecurityError,
    NotImplemented,
}
