using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>The clone options, declared once for every cmdlet that takes them (Invoke-Clone,
/// New-CloneTask, Set-CloneTask), and applied to a request the same way: only the parameters that
/// were given change it (so the properties have no defaults here: the request's are the defaults).
/// A nullable limit given as $null removes that limit.</summary>
public abstract class CloneOptionsCmdlet : PSCloneCmdlet
{
    [Parameter]
    public SafetyNetMode SafetyNet { get; set; }

    /// <summary>Leave items found only at the destination root alone (default: on with SafetyNet On).</summary>
    [Parameter]
    public SwitchParameter ProtectRootItems { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[]? Include { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[]? Exclude { get; set; }

    [Parameter]
    public string? FilterFile { get; set; }

    [Parameter]
    public SwitchParameter Checksum { get; set; }

    [Parameter]
    public SwitchParameter Verify { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    // No [ValidateRange] on the nullable limits: it refuses $null. The engine checks their range.
    [Parameter]
    public int? MaxDelete { get; set; }

    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double MaxDeletePercent { get; set; }

    [Parameter]
    public long? SafetyNetMinFree { get; set; }

    [Parameter]
    [AgeTransformation]
    public TimeSpan? SafetyNetMaxAge { get; set; }

    [Parameter]
    public long? SafetyNetMaxSize { get; set; }

    [Parameter]
    public SwitchParameter NoAutoAdjust { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    [Parameter]
    [AgeTransformation]
    public TimeSpan RetryDelay { get; set; }

    [Parameter]
    public SwitchParameter Durable { get; set; }

    /// <summary>Parallel copy workers; a task calls this Parallelism.</summary>
    [Parameter]
    [Alias("Parallelism")]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    /// <summary>What the clone options given to this command do to a request: the given ones are
    /// set, the others keep the request's values. Paths and the given parameters are read now, on the
    /// pipeline thread; the change touches no PowerShell state, so the engine may apply it on its own
    /// thread (a task store applies it under its lock) while this record is processed.</summary>
    protected Func<CloneRequest, CloneRequest> CloneOptionsChange()
    {
        var given = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        string? filterFile = string.IsNullOrEmpty(FilterFile) ? null : ResolveFileSystemPath(FilterFile, nameof(FilterFile));
        return r => r with
        {
            SafetyNet = given.Contains(nameof(SafetyNet)) ? SafetyNet : r.SafetyNet,
            ProtectRootItems = given.Contains(nameof(ProtectRootItems)) ? ProtectRootItems.IsPresent : r.ProtectRootItems,
            Include = given.Contains(nameof(Include)) ? Include ?? Array.Empty<string>() : r.Include,
            Exclude = given.Contains(nameof(Exclude)) ? Exclude ?? Array.Empty<string>() : r.Exclude,
            FilterFile = given.Contains(nameof(FilterFile)) ? filterFile : r.FilterFile,
            Checksum = given.Contains(nameof(Checksum)) ? Checksum.IsPresent : r.Checksum,
            Verify = given.Contains(nameof(Verify)) ? Verify.IsPresent : r.Verify,
            Force = given.Contains(nameof(Force)) ? Force.IsPresent : r.Force,
            MaxDelete = given.Contains(nameof(MaxDelete)) ? MaxDelete : r.MaxDelete,
            MaxDeletePercent = given.Contains(nameof(MaxDeletePercent)) ? MaxDeletePercent : r.MaxDeletePercent,
            SafetyNetLimits = r.SafetyNetLimits with
            {
                MinFreeBytes = given.Contains(nameof(SafetyNetMinFree)) ? SafetyNetMinFree : r.SafetyNetLimits.MinFreeBytes,
                MaxAge = given.Contains(nameof(SafetyNetMaxAge)) ? SafetyNetMaxAge : r.SafetyNetLimits.MaxAge,
                MaxSizeBytes = given.Contains(nameof(SafetyNetMaxSize)) ? SafetyNetMaxSize : r.SafetyNetLimits.MaxSizeBytes,
            },
            AutoAdjust = given.Contains(nameof(NoAutoAdjust)) ? !NoAutoAdjust.IsPresent : r.AutoAdjust,
            RetryCount = given.Contains(nameof(RetryCount)) ? RetryCount : r.RetryCount,
            RetryDelay = given.Contains(nameof(RetryDelay)) ? RetryDelay : r.RetryDelay,
            Durable = given.Contains(nameof(Durable)) ? Durable.IsPresent : r.Durable,
            Parallelism = given.Contains(nameof(ThrottleLimit)) ? ThrottleLimit : r.Parallelism,
        };
    }
}
