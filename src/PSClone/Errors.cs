using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>The one place that turns engine failures into ErrorRecords: stable ids, the matching
/// ErrorCategory (FailureKind names are ErrorCategory names), the item as target object.</summary>
internal static class Errors
{
    public static ErrorCategory CategoryOf(FailureKind kind) =>
        Enum.TryParse<ErrorCategory>(kind.ToString(), out var category) ? category : ErrorCategory.NotSpecified;

    public static ErrorRecord From(PSCloneException ex)
    {
        var record = new ErrorRecord(ex, ex.ErrorId, CategoryOf(ex.Kind), ex.Target);
        // The engine's advice names the psclone prompt; in PowerShell the passphrase is a parameter.
        if (ex.ErrorId == "PassphraseRequired" && ex.Target is { } image)
            record.ErrorDetails = new ErrorDetails(PassphraseRequiredMessage(image, "-Passphrase", "PSCLONE_PASSPHRASE"));
        return record;
    }

    public static string PassphraseRequiredMessage(string image, string parameter, string variable) =>
        $"The backup image '{image}' is encrypted: give {parameter} (for example {parameter} (Read-Host -AsSecureString)), " +
        $"or set {variable} for unattended runs.";

    public static ErrorRecord From(EngineError error) =>
        new(error.Exception ?? new PSCloneException(error.ErrorId, error.Kind, error.Message, error.Target),
            error.ErrorId, CategoryOf(error.Kind), error.Target)
        {
            ErrorDetails = new ErrorDetails(error.Message),
        };

    public static ErrorRecord NotFileSystem(string parameter, string path) =>
        new(new ArgumentException($"-{parameter} '{path}' is not a file-system path. Give a folder on a disk (a FileSystem provider path)."),
            "PathNotFileSystem", ErrorCategory.InvalidArgument, path);

    public static ErrorRecord PowerShellNotFound(string path) =>
        new(new FileNotFoundException($"Schedules run pwsh by its full path, but '{path}' (in $PSHOME) does not exist. Run this command in PowerShell installed from a package, or schedule the task with 'psclone task schedule', which runs psclone itself.", path),
            "PowerShellNotFound", ErrorCategory.ObjectNotFound, path);
}
