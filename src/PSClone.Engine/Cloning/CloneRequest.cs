namespace PSClone;

/// <summary>Everything a clone run needs to know. Hosts build one from their parameters.</summary>
public sealed record CloneRequest
{
    public required string Source { get; init; }
    public required string Destination { get; init; }

    public SafetyNetMode SafetyNet { get; init; } = SafetyNetMode.On;

    /// <summary>Leave items found only at the destination root alone. Null: on with SafetyNet On, off otherwise.</summary>
    public bool? ProtectRootItems { get; init; }

    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    public string? FilterFile { get; init; }

    /// <summary>Compare file contents instead of size and modification time.</summary>
    public bool Checksum { get; init; }

    /// <summary>Re-read every copied file and compare its SHA-256 with the source.</summary>
    public bool Verify { get; init; }

    /// <summary>Plan only: report exactly what a real run would do, change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Clone even onto a destination that looks like another source's clone or holds unrelated items.</summary>
    public bool Force { get; init; }

    /// <summary>Refuse the run when it would delete or archive (as deleted) more items than this.</summary>
    public int? MaxDelete { get; init; }

    /// <summary>Refuse the run when it would delete or archive (as deleted) more than this share of
    /// the destination's items (applies from 20 items on; an empty source is always refused).</summary>
    public double MaxDeletePercent { get; init; } = 50;

    public SafetyNetLimits SafetyNetLimits { get; init; } = new();

    /// <summary>On a full destination: raise the free-space limit, prune older SafetyNet runs, go on.</summary>
    public bool AutoAdjust { get; init; } = true;

    public int RetryCount { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Flush every file (and its folder) to the device before it replaces the old version.</summary>
    public bool Durable { get; init; }

    /// <summary>Parallel copy workers; null picks one from the number of processors.</summary>
    public int? Parallelism { get; init; }

    /// <summary>The task running this clone, recorded in the destination marker.</summary>
    public string? TaskName { get; init; }

    /// <summary>Opens the destination when it is an encrypted backup image. The host owns (and disposes) it.</summary>
    public Passphrase? Passphrase { get; init; }
}
