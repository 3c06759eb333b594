using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Clear-SafetyNet: prunes whole run folders by free space, age or size; all of them without limits.</summary>
[Cmdlet(VerbsCommon.Clear, "SafetyNet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SafetyNetRun))]
public sealed class ClearSafetyNetCommand : PSCloneCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Prune oldest runs while the destination has less free space than this many bytes.</summary>
    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long MinFree { get; set; }

    /// <summary>Prune runs older than this.</summary>
    [Parameter]
    public TimeSpan MaxAge { get; set; }

    /// <summary>Keep at most this many bytes, counted from the newest run.</summary>
    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long MaxSize { get; set; }

    protected override void ProcessRecord()
    {
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        var bound = MyInvocation.BoundParameters;
        SafetyNetLimits? limits = null;
        if (bound.ContainsKey(nameof(MinFree)) || bound.ContainsKey(nameof(MaxAge)) || bound.ContainsKey(nameof(MaxSize)))
        {
            limits = new SafetyNetLimits
            {
                MinFreeBytes = bound.ContainsKey(nameof(MinFree)) ? MinFree : null,
                MaxAge = bound.ContainsKey(nameof(MaxAge)) ? MaxAge : null,
                MaxSizeBytes = bound.ContainsKey(nameof(MaxSize)) ? MaxSize : null,
            };
        }
        var manager = new SafetyNetManager();
        IReadOnlyList<SafetyNetRun> candidates;
        try
        {
            candidates = manager.GetRunsToPrune(destination, limits);
        }
        catch (PSCloneException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
            return;
        }
        string what = limits is null ? "Delete every SafetyNet run" : "Prune the SafetyNet";
        if (!ShouldProcess($"{destination} ({candidates.Count} run(s): {string.Join(", ", candidates.Select(c => c.Name))})", what)) return;
        var pruned = RunEngine((events, token) => manager.Prune(destination, limits, token));
        foreach (var run in pruned) WriteObject(run);
    }
}
