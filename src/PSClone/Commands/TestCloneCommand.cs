using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Test-Clone: compares a source with its clone, changing nothing; one object per difference.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Clone")]
[OutputType(typeof(CloneDifference), typeof(bool))]
public sealed class TestCloneCommand : PSCloneCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter Checksum { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[] Include { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    [Parameter]
    public string? FilterFile { get; set; }

    /// <summary>Return only $true (identical) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var request = new CloneTestRequest
        {
            Source = ResolveFileSystemPath(Source, nameof(Source)),
            Destination = ResolveFileSystemPath(Destination, nameof(Destination)),
            Checksum = Checksum,
            Include = Include,
            Exclude = Exclude,
            FilterFile = FilterFile is null ? null : ResolveFileSystemPath(FilterFile, nameof(FilterFile)),
        };
        int differences = RunEngine((events, token) => new CloneVerifier().Compare(request, events, token), item =>
        {
            if (!Quiet) WriteObject(item);
        });
        if (Quiet) WriteObject(differences == 0);
    }
}
