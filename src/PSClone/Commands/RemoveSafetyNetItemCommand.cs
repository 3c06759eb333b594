using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Remove-SafetyNetItem: deletes archived items for good.</summary>
[Cmdlet(VerbsCommon.Remove, "SafetyNetItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathSet)]
[OutputType(typeof(SafetyNetItem))]
public sealed class RemoveSafetyNetItemCommand : SafetyNetItemCmdlet
{
    /// <summary>Emit each removed item.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool NewestVersionOnly => false;

    protected override void ProcessRecord()
    {
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        var manager = new SafetyNetManager();
        foreach (var item in SelectItems(manager, destination))
        {
            if (!ShouldProcess(item.ArchivedPath, "Delete from the SafetyNet for good")) continue;
            try
            {
                manager.Remove(item, CancelToken);
                if (PassThru) WriteObject(item);
            }
            catch (PSCloneException ex)
            {
                WriteError(Errors.From(ex));
            }
            catch (IOException ex)
            {
                WriteError(new ErrorRecord(ex, "SafetyNetRemoveFailed", ErrorCategory.WriteError, item.ArchivedPath));
            }
        }
    }
}
