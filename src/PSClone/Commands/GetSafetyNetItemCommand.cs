using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Get-SafetyNetItem: what a destination's SafetyNet keeps (old versions and deleted items).</summary>
[Cmdlet(VerbsCommon.Get, "SafetyNetItem")]
[OutputType(typeof(SafetyNetItem))]
public sealed class GetSafetyNetItemCommand : PSCloneCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Wildcard pattern on the item's path relative to the destination.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? RunName { get; set; }

    /// <summary>Also list what archived folders hold.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        RunEngine<object?>((events, token) =>
        {
            // Read the whole list before emitting: downstream cmdlets (Remove-SafetyNetItem) change the SafetyNet.
            foreach (var item in new SafetyNetManager().GetItems(destination, Path, RunName, Recurse).ToList())
            {
                token.ThrowIfCancellationRequested();
                events.Item(item);
            }
            return null;
        });
    }
}
