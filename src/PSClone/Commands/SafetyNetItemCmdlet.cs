using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>The shared binding of Restore- and Remove-SafetyNetItem: either a wildcard -Path, or the
/// exact item piped from Get-SafetyNetItem (Destination, RunName and RelativePath bind by name).</summary>
public abstract class SafetyNetItemCmdlet : PSCloneCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Wildcard pattern on the original relative path.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string Path { get; set; } = "";

    /// <summary>The exact original relative path; bound from a piped SafetyNetItem's RelativePath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("RelativePath")]
    public string LiteralPath { get; set; } = "";

    /// <summary>The run folder to take the item from; by default the newest run that holds it.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    public string? RunName { get; set; }

    /// <summary>Restore takes the newest version of each matching path; Remove takes every version.</summary>
    protected abstract bool NewestVersionOnly { get; }

    /// <summary>The SafetyNet items this invocation is about.</summary>
    protected IReadOnlyList<SafetyNetItem> SelectItems(SafetyNetManager manager, string destination)
    {
        try
        {
            return Select(manager, destination);
        }
        catch (PSCloneException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
            throw; // not reached
        }
    }

    private IReadOnlyList<SafetyNetItem> Select(SafetyNetManager manager, string destination)
    {
        if (ParameterSetName == PathSet)
        {
            var items = NewestVersionOnly ? manager.SelectForRestore(destination, Path, RunName) : manager.SelectForRemoval(destination, Path, RunName);
            if (items.Count == 0)
                WriteError(new ErrorRecord(new ItemNotFoundException($"No item in the SafetyNet of '{destination}' matches '{Path}'. List them with Get-SafetyNetItem -Recurse."),
                    "SafetyNetItemNotFound", ErrorCategory.ObjectNotFound, Path));
            return items;
        }
        var item = manager.FindItem(destination, RunName!, LiteralPath);
        if (item is null)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"The SafetyNet run '{RunName}' of '{destination}' does not hold '{LiteralPath}' (pruned or removed?)."),
                "SafetyNetItemNotFound", ErrorCategory.ObjectNotFound, LiteralPath));
            return Array.Empty<SafetyNetItem>();
        }
        return new[] { item };
    }
}
