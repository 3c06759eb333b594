using System.Management.Automation;
using PSClone.Provider;

namespace PSClone.Commands;

/// <summary>Dismount-BackupImage: removes drives made by Mount-BackupImage (or New-PSDrive -PSProvider
/// BackupImage) and closes their images, so backups into them can run again.</summary>
[Cmdlet(VerbsData.Dismount, "BackupImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupImageDrive))]
public sealed class DismountBackupImageCommand : PSCloneCmdlet
{
    /// <summary>Drive names (a trailing colon is allowed); bound from piped drives.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The scope to look for the drive in; default: the nearest scope that has it.</summary>
    [Parameter]
    public string? Scope { get; set; }

    /// <summary>Emit each dismounted drive.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string given in Name)
        {
            string name = given.TrimEnd(':');
            PSDriveInfo drive;
            try
            {
                drive = string.IsNullOrEmpty(Scope) ? SessionState.Drive.Get(name) : SessionState.Drive.GetAtScope(name, Scope);
            }
            catch (System.Management.Automation.DriveNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "BackupImageDriveNotFound", ErrorCategory.ObjectNotFound, name)
                {
                    ErrorDetails = new ErrorDetails($"There is no drive '{name}'. List the mounted images with Get-PSDrive -PSProvider BackupImage."),
                });
                continue;
            }
            if (drive is not BackupImageDriveInfo mounted)
            {
                WriteError(new ErrorRecord(new ArgumentException($"The drive '{name}' is a {drive.Provider.Name} drive, not a mounted backup image; remove it with Remove-PSDrive."),
                    "NotABackupImageDrive", ErrorCategory.InvalidArgument, name));
                continue;
            }
            if (!ShouldProcess($"{name}:", $"Dismount the backup image '{mounted.View.Image}'")) continue;
            var described = mounted.View.Describe(name);
            SessionState.Drive.Remove(name, true, Scope ?? "");
            if (PassThru) WriteObject(described);
        }
    }
}
