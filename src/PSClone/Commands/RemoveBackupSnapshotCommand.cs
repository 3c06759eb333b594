using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>Remove-BackupSnapshot: removes snapshots by id or by a retention policy and frees the
/// space only they used inside the image. Piped snapshots are gathered and removed per image at the
/// end, so one commit covers them all.</summary>
[Cmdlet(VerbsCommon.Remove, "BackupSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
[OutputType(typeof(BackupSnapshot))]
public sealed class RemoveBackupSnapshotCommand : ImageOperationCmdlet
{
    private const string IdSet = "Id";
    private const string PolicySet = "Policy";

    /// <summary>Snapshot ids (or unique prefixes of at least 4 digits, or 'latest').</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [SnapshotArgument]
    public string[] Snapshot { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = PolicySet)]
    public int KeepLast { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public int KeepHourly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public int KeepDaily { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public int KeepWeekly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public int KeepMonthly { get; set; }

    /// <summary>Emit each removed snapshot.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Image path to the ids named for it (in the Policy set: no ids), in the order seen.</summary>
    private readonly Dictionary<string, List<string>> _images = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        string image = ResolveImage(Image);
        if (!_images.TryGetValue(image, out var ids)) _images[image] = ids = new List<string>();
        if (ParameterSetName == IdSet) ids.AddRange(Snapshot);
    }

    protected override void EndProcessing()
    {
        foreach (var (image, ids) in _images)
        {
            using var passphrase = TakePassphrase();
            var request = Request(image, ids);
            // Ask about each snapshot the request selects, then remove exactly the confirmed ones.
            var selected = RunEngine((events, token) => new ImageManager().Forget(request with { DryRun = true }, passphrase, events, token), _ => { });
            var confirmed = selected.Where(s => ShouldProcess(image, $"Remove snapshot {s.Id} ({s.Time:yyyy-MM-dd HH:mm:ss}, {s.Source})")).ToList();
            if (confirmed.Count == 0) continue;
            var removal = new ImageForgetRequest { Image = image, Snapshots = confirmed.Select(s => s.Id).ToList() };
            var removed = RunEngine((events, token) => new ImageManager().Forget(removal, passphrase, new Confirmed(events), token), _ => { });
            if (PassThru) foreach (var s in removed) WriteObject(s);
        }
    }

    private ImageForgetRequest Request(string image, List<string> ids)
    {
        var bound = MyInvocation.BoundParameters;
        int? Keep(string name, int value) => bound.ContainsKey(name) ? value : null;
        return new ImageForgetRequest
        {
            Image = image,
            Snapshots = ids.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            KeepLast = Keep(nameof(KeepLast), KeepLast),
            KeepHourly = Keep(nameof(KeepHourly), KeepHourly),
            KeepDaily = Keep(nameof(KeepDaily), KeepDaily),
            KeepWeekly = Keep(nameof(KeepWeekly), KeepWeekly),
            KeepMonthly = Keep(nameof(KeepMonthly), KeepMonthly),
        };
    }

    /// <summary>The engine's own question is already answered, snapshot by snapshot, above.</summary>
    private sealed class Confirmed(IEngineEvents inner) : IEngineEvents
    {
        public void Item(object item) => inner.Item(item);
        public void Progress(EngineProgress progress) => inner.Progress(progress);
        public void Warning(string message) => inner.Warning(message);
        public void Verbose(string message) => inner.Verbose(message);
        public void Error(EngineError error) => inner.Error(error);
        public bool ShouldProcess(string target, string action) => true;
    }
}
