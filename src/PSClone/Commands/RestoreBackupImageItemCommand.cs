using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Restore-BackupImageItem: writes items of a snapshot into a folder, at their paths
/// relative to the snapshot root. Piped entries are gathered and restored in one pass per snapshot
/// and destination at the end (the engine walks the snapshot once, in parallel).</summary>
[Cmdlet(VerbsData.Restore, "BackupImageItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ImageRestoreResult), typeof(CloneItemResult))]
public sealed class RestoreBackupImageItemCommand : ImageItemCmdlet
{
    /// <summary>The folder to restore into (created when missing; the folder that holds it must exist).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Wildcard patterns of the paths to restore; a folder brings everything in it.</summary>
    [Parameter(Position = 2)]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Exact paths, bound from piped entries' RelativePath.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("RelativePath")]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Replace items already at the destination.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; }

    /// <summary>Also emit one CloneItemResult per restored item.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private sealed class Batch
    {
        public bool Everything;
        public readonly List<string> Patterns = new();
        public readonly List<string> Exact = new();
    }

    private readonly Dictionary<(string Image, string Snapshot, string Destination), Batch> _batches = new();

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        string destination = ResolveFileSystemPath(Destination, nameof(Destination));
        string snapshot = string.IsNullOrEmpty(Snapshot) ? "latest" : Snapshot;
        string from = $"snapshot {snapshot} of '{image}'";
        var key = (image, snapshot, destination);
        if (!_batches.TryGetValue(key, out var batch)) _batches[key] = batch = new Batch();
        foreach (var rel in LiteralPath)
        {
            if (ShouldProcess(System.IO.Path.Combine(destination, rel), $"Restore from {from}")) batch.Exact.Add(rel);
        }
        if (Path.Length > 0 && ShouldProcess(destination, $"Restore the items matching {string.Join(", ", Path.Select(p => $"'{p}'"))} from {from}"))
            batch.Patterns.AddRange(Path);
        if (Path.Length == 0 && LiteralPath.Length == 0 && ShouldProcess(destination, $"Restore everything from {from}"))
            batch.Everything = true;
    }

    protected override void EndProcessing()
    {
        foreach (var ((image, snapshot, destination), batch) in _batches)
        {
            if (!batch.Everything && batch.Patterns.Count == 0 && batch.Exact.Count == 0) continue;
            var request = new ImageRestoreRequest
            {
                Image = image,
                Target = destination,
                Snapshot = snapshot,
                Paths = batch.Everything ? Array.Empty<string>() : batch.Patterns,
                ExactPaths = batch.Everything ? Array.Empty<string>() : batch.Exact,
                Force = Force,
                Parallelism = MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null,
                ReportItems = PassThru,
            };
            using var passphrase = TakePassphrase();
            WriteObject(RunEngine((events, token) => new ImageManager().Restore(request, passphrase, events, token)));
        }
    }
}
