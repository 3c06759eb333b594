using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>New-CloneTask: saves a named clone configuration in the task store.</summary>
[Cmdlet(VerbsCommon.New, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CloneTask))]
public sealed class NewCloneTaskCommand : CloneTaskOptionsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    protected override void ProcessRecord()
    {
        string source = ResolveFileSystemPath(Source, nameof(Source));
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        var change = TaskChange(source, destination);
        var store = Store;
        if (!ShouldProcess(store.PathOf(Name), $"Create task '{Name}': {source} -> {destination}")) return;
        if (TryRunEngine((_, _) => store.Add(change(new CloneTask { Name = Name, Source = source, Destination = destination })), out var saved))
            WriteObject(saved);
    }
}
