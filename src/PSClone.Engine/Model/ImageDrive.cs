namespace PSClone;

/// <summary>A backup image shown as a read-only PowerShell drive (Mount-BackupImage, Dismount-BackupImage -PassThru).</summary>
public sealed record BackupImageDrive
{
    /// <summary>The drive name, without the colon.</summary>
    public required string Name { get; init; }
    public required string Image { get; init; }

    /// <summary>The snapshot the drive root shows; null when the root holds one folder per snapshot.</summary>
    public string? SnapshotId { get; init; }
    public DateTimeOffset? SnapshotTime { get; init; }

    /// <summary>The provider path of the drive root: the image path, then the snapshot id when the drive shows one snapshot.</summary>
    public required string Root { get; init; }

    public override string ToString() => Name + ":";
}

/// <summary>How Get-Content reads a file of a mounted image.</summary>
public enum ImageContentMode
{
    /// <summary>One string per line (UTF-8, or the encoding a byte-order mark names).</summary>
    Lines,

    /// <summary>The whole text as one string, line breaks kept (-Raw).</summary>
    Raw,

    /// <summary>The bytes (-AsByteStream).</summary>
    Bytes,
}
