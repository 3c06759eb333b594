using System.Management.Automation;
using System.Security;

namespace PSClone.Commands;

/// <summary>Invoke-Clone: makes the destination folder match the source folder, incrementally,
/// with the SafetyNet keeping whatever the clone replaces or removes.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Clone", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CloneRunResult), typeof(CloneItemResult))]
public sealed class InvokeCloneCommand : PSCloneCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public SafetyNetMode SafetyNet { get; set; } = SafetyNetMode.On;

    /// <summary>Leave items found only at the destination root alone (default: on with SafetyNet On).</summary>
    [Parameter]
    public SwitchParameter ProtectRootItems { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[] Include { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    [Parameter]
    public string? FilterFile { get; set; }

    [Parameter]
    public SwitchParameter Checksum { get; set; }

    [Parameter]
    public SwitchParameter Verify { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxDelete { get; set; }

    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double MaxDeletePercent { get; set; } = 50;

    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long SafetyNetMinFree { get; set; } = SafetyNetLimits.DefaultMinFreeBytes;

    [Parameter]
    public TimeSpan SafetyNetMaxAge { get; set; }

    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long SafetyNetMaxSize { get; set; }

    [Parameter]
    public SwitchParameter NoAutoAdjust { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; } = 2;

    [Parameter]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Parameter]
    public SwitchParameter Durable { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The passphrase of an encrypted backup image given as -Destination; without it, PSCLONE_PASSPHRASE.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>-WhatIf, or $WhatIfPreference when -WhatIf is not given.</summary>
    private bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return bound is SwitchParameter { IsPresent: true };
        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    protected override void ProcessRecord()
    {
        var bound = MyInvocation.BoundParameters;
        using var passphrase = BackupImageCmdlet.PassphraseFrom(Passphrase, BackupImageCmdlet.PassphraseVariable);
        var request = new CloneRequest
        {
            Passphrase = passphrase,
            Source = ResolveFileSystemPath(Source, nameof(Source)),
            Destination = ResolveFileSystemPath(Destination, nameof(Destination)),
            SafetyNet = SafetyNet,
            ProtectRootItems = bound.ContainsKey(nameof(ProtectRootItems)) ? ProtectRootItems.IsPresent : null,
            Include = Include,
            Exclude = Exclude,
            FilterFile = FilterFile is null ? null : ResolveFileSystemPath(FilterFile, nameof(FilterFile)),
            Checksum = Checksum,
            Verify = Verify,
            Force = Force,
            MaxDelete = bound.ContainsKey(nameof(MaxDelete)) ? MaxDelete : null,
            MaxDeletePercent = MaxDeletePercent,
            SafetyNetLimits = new SafetyNetLimits
            {
                MinFreeBytes = SafetyNetMinFree,
                MaxAge = bound.ContainsKey(nameof(SafetyNetMaxAge)) ? SafetyNetMaxAge : null,
                MaxSizeBytes = bound.ContainsKey(nameof(SafetyNetMaxSize)) ? SafetyNetMaxSize : null,
            },
            AutoAdjust = !NoAutoAdjust,
            RetryCount = RetryCount,
            RetryDelay = RetryDelay,
            Durable = Durable,
            Parallelism = bound.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null,
            DryRun = IsWhatIf(),
        };

        if (request.DryRun)
        {
            // -WhatIf: the engine's plan, item by item, exactly as the real run would do it.
            RunEngine((events, token) => new Cloning.CloneEngine().Run(request, events, token), item =>
            {
                if (item is CloneItemResult r)
                {
                    ShouldProcess(System.IO.Path.Combine(request.Destination, r.RelativePath), $"{r.Action} ({r.Reason})");
                    if (PassThru) WriteObject(r);
                }
            });
            return;
        }

        var result = RunEngine((events, token) => new Cloning.CloneEngine().Run(request, events, token), item =>
        {
            if (PassThru && item is CloneItemResult) WriteObject(item);
        });
        WriteObject(result);
    }
}
