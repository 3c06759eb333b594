namespace PSClone;

/// <summary>How a backup image is stored: one growing file, or a folder of pack files.</summary>
public enum ImageLayout
{
    SingleFile,
    Bundle,
}

/// <summary>How a backup image's content is protected.</summary>
public enum ImageEncryption
{
    None,
    Aes128,
    Aes256,
}

/// <summary>What a snapshot holds: a folder tree, or the blocks of a device or image file.</summary>
public enum SnapshotKind
{
    Files,
    Block,
}

/// <summary>What verification found wrong.</summary>
public enum ImageProblem
{
    /// <summary>One of the two copies of the image head is damaged (the other one is used).</summary>
    HeadDamaged,
    ManifestDamaged,
    IndexDamaged,
    PackMissing,
    PackDamaged,

    /// <summary>The primary copy of a metadata pack is damaged; its mirror is intact.</summary>
    MirrorOnly,
    ChunkDamaged,
    ChunkMissing,
    TreeDamaged,

    /// <summary>A file whose content uses a damaged or missing chunk.</summary>
    FileDamaged,

    /// <summary>A folder whose listing cannot be read; everything in it is affected.</summary>
    FolderDamaged,
    SealBroken,
}

/// <summary>A backup image as Get-BackupImage shows it.</summary>
public sealed record BackupImageInfo
{
    public required string Path { get; init; }
    public required ImageLayout Layout { get; init; }
    public required ImageEncryption Encryption { get; init; }

    /// <summary>"major.minor" of the on-disk format.</summary>
    public required string FormatVersion { get; init; }
    public required string ImageId { get; init; }

    /// <summary>The most the image may hold, in bytes.</summary>
    public required long Capacity { get; init; }

    /// <summary>Bytes the image holds (packs and heads), counted against the capacity.</summary>
    public required long Size { get; init; }

    /// <summary>Bytes the image occupies on its disk (SingleFile: allocated blocks of the file).</summary>
    public long DiskSize { get; init; }
    public int SnapshotCount { get; init; }
    public long ChunkCount { get; init; }
    public int PackCount { get; init; }
    public bool Sealed { get; init; }
    public long Generation { get; init; }
    public DateTimeOffset? LatestSnapshot { get; init; }

    public override string ToString() => Path;
}

/// <summary>One point-in-time snapshot in a backup image.</summary>
public sealed record BackupSnapshot
{
    public required string Image { get; init; }

    /// <summary>16 hex digits; any unique prefix of at least 4 names it too.</summary>
    public required string Id { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required SnapshotKind Kind { get; init; }

    /// <summary>The folder (or device) that was backed up.</summary>
    public required string Source { get; init; }
    public string Host { get; init; } = "";
    public string User { get; init; } = "";
    public string? ParentId { get; init; }
    public long Files { get; init; }
    public long Folders { get; init; }
    public long Links { get; init; }

    /// <summary>Sum of the sizes of the files in the snapshot.</summary>
    public long Bytes { get; init; }

    /// <summary>Bytes the run that made this snapshot added to the image (after deduplication and compression).</summary>
    public long AddedBytes { get; init; }
    public long AddedChunks { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Id} {Time:yyyy-MM-dd HH:mm:ss} {Source}";
}

/// <summary>One item in a snapshot, as Get-BackupImageItem lists it; Restore-BackupImageItem takes it from the pipeline.</summary>
public sealed record BackupImageEntry
{
    public required string Image { get; init; }
    public required string SnapshotId { get; init; }

    /// <summary>Path relative to the snapshot root, with '/' separators.</summary>
    public required string Path { get; init; }
    public required string Name { get; init; }
    public required ItemType ItemType { get; init; }
    public long Size { get; init; }
    public required DateTimeOffset LastWriteTime { get; init; }

    /// <summary>Type and permissions as ls -l shows them, e.g. "-rw-r--r--".</summary>
    public required string Mode { get; init; }

    /// <summary>Permission bits (0..0o7777).</summary>
    public uint Permissions { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public string? LinkTarget { get; init; }
    public bool Sparse { get; init; }

    /// <summary>The same as <see cref="Path"/>, under the name Restore-BackupImageItem -LiteralPath binds
    /// from: a piped entry is restored exactly, even when its name holds wildcard characters.</summary>
    public string RelativePath => Path;

    public override string ToString() => Path;
}

/// <summary>One problem verification found, naming what it affects.</summary>
public sealed record ImageVerifyFinding
{
    public required string Image { get; init; }
    public required ImageProblem Problem { get; init; }

    /// <summary>What is damaged: a pack file, a chunk id, a file path.</summary>
    public required string Target { get; init; }
    public required string Message { get; init; }

    /// <summary>For damaged files and folders: the snapshot and path.</summary>
    public string? SnapshotId { get; init; }
    public string? Path { get; init; }

    public override string ToString() => $"{Problem} {Target}";
}

/// <summary>The summary of a verification.</summary>
public sealed record ImageVerifyResult
{
    public required string Image { get; init; }

    /// <summary>True when nothing is damaged (a damaged spare copy of metadata counts as damage too).</summary>
    public required bool Intact { get; init; }
    public bool ReadData { get; init; }
    public bool SealChecked { get; init; }
    public int Snapshots { get; init; }
    public int PacksChecked { get; init; }
    public long ChunksChecked { get; init; }
    public long BytesRead { get; init; }
    public int Problems { get; init; }

    /// <summary>Snapshot files (and folders) affected by damage.</summary>
    public int AffectedItems { get; init; }
    public TimeSpan Duration { get; init; }

    public override string ToString() => Intact ? $"{Image}: intact" : $"{Image}: {Problems} problem(s)";
}

/// <summary>The summary of a restore from a backup image.</summary>
public sealed record ImageRestoreResult
{
    public required string Image { get; init; }
    public required string SnapshotId { get; init; }
    public required string Target { get; init; }
    public required CloneStatus Status { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }
    public TimeSpan Duration => EndTime - StartTime;
    public long ItemsRestored { get; init; }
    public long BytesRestored { get; init; }
    public long ItemsFailed { get; init; }
    public IReadOnlyList<string> ErrorMessages { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> MetadataNotPreserved { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Status}: {Image} ({SnapshotId}) -> {Target}";
}

/// <summary>What a compaction (or the garbage collection after forget) did.</summary>
public sealed record ImageCompactResult
{
    public required string Image { get; init; }
    public int PacksRemoved { get; init; }
    public int PacksRewritten { get; init; }
    public long SizeBefore { get; init; }
    public long SizeAfter { get; init; }
    public long DiskSizeBefore { get; init; }
    public long DiskSizeAfter { get; init; }

    public override string ToString() => $"{Image}: {SizeBefore} -> {SizeAfter} bytes";
}

/// <summary>What can be read from an image without its passphrase (to decide whether to ask for one).</summary>
public sealed record BackupImageHeader
{
    public required string Path { get; init; }
    public required ImageLayout Layout { get; init; }
    public required ImageEncryption Encryption { get; init; }
    public required string FormatVersion { get; init; }
    public bool Sealed { get; init; }
}
