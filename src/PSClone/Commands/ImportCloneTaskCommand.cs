using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Import-CloneTask: adds tasks from task files (written by Export-CloneTask or by hand) to
/// the store; -Force replaces a task of the same name, keeping its id and history.</summary>
[Cmdlet(VerbsData.Import, "CloneTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CloneTask))]
public sealed class ImportCloneTaskCommand : CloneTaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Replace a task of the same name (its id, history and registration stay).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        foreach (string file in Path.SelectMany(Files))
        {
            string what = Force ? $"Import the task into {store.Location.TasksFolder}, replacing one of the same name" : $"Import the task into {store.Location.TasksFolder}";
            if (!ShouldProcess(file, what)) continue;
            if (TryRunEngine((_, _) => store.Import(file, replace: Force), out var task)) WriteObject(task);
        }
    }

    /// <summary>A literal path as it is (a missing file is reported by the import), a pattern as the files it matches.</summary>
    private IEnumerable<string> Files(string path)
    {
        string literal = ResolveFileSystemPath(path, nameof(Path));
        if (File.Exists(literal) || !WildcardPattern.ContainsWildcardCharacters(path)) return [literal];
        try
        {
            var files = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            if (provider.Name != "FileSystem") ThrowTerminatingError(Errors.NotFileSystem(nameof(Path), path));
            return files;
        }
        catch (ItemNotFoundException)
        {
            return [];
        }
    }
}
