namespace PSClone;

/// <summary>What New-BackupImage / `psclone image new` creates.</summary>
public sealed record ImageCreateRequest
{
    public required string Path { get; init; }

    /// <summary>Null: Bundle when the path ends in ".psimgbundle", SingleFile otherwise.</summary>
    public ImageLayout? Layout { get; init; }
    public ImageEncryption Encryption { get; init; } = ImageEncryption.None;

    /// <summary>The most the image may hold; null: the free space of the disk it is created on.</summary>
    public long? Capacity { get; init; }

    /// <summary>PBKDF2 iterations of the passphrase; null: calibrated to about one second here.</summary>
    public int? KdfIterations { get; init; }

    /// <summary>Average chunk size (a power of two, 4 KiB..16 MiB); min and max are a quarter and four times it. Null: 1 MiB.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>Target pack size (64 KiB..1 GiB); null: 32 MiB.</summary>
    public int? PackSize { get; init; }
}

/// <summary>What Restore-BackupImageItem / `psclone image restore` restores.</summary>
public sealed record ImageRestoreRequest
{
    public required string Image { get; init; }

    /// <summary>The folder the items are restored into (created when missing), at their paths relative to the snapshot root.</summary>
    public required string Target { get; init; }

    /// <summary>A snapshot id (or unique prefix), or null / "latest".</summary>
    public string? Snapshot { get; init; }

    /// <summary>Wildcard patterns of paths to restore (a folder brings everything in it); empty (and no
    /// <see cref="ExactPaths"/>): everything.</summary>
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();

    /// <summary>Paths taken literally (from piped BackupImageEntry objects: names may hold '*' or '[').</summary>
    public IReadOnlyList<string> ExactPaths { get; init; } = Array.Empty<string>();

    /// <summary>Replace items that are already at the target; otherwise each is an error and is left alone.</summary>
    public bool Force { get; init; }

    /// <summary>Parallel workers; null picks from the number of processors.</summary>
    public int? Parallelism { get; init; }

    /// <summary>Report every restored item (a CloneItemResult with Action Copied).</summary>
    public bool ReportItems { get; init; }
}

/// <summary>Which snapshots Remove-BackupSnapshot / `psclone image forget` removes.</summary>
public sealed record ImageForgetRequest
{
    public required string Image { get; init; }

    /// <summary>Snapshot ids (or unique prefixes) to remove. When empty, the retention policy decides.</summary>
    public IReadOnlyList<string> Snapshots { get; init; } = Array.Empty<string>();
    public int? KeepLast { get; init; }
    public int? KeepHourly { get; init; }
    public int? KeepDaily { get; init; }
    public int? KeepWeekly { get; init; }
    public int? KeepMonthly { get; init; }

    /// <summary>Only report what would be removed.</summary>
    public bool DryRun { get; init; }
}
