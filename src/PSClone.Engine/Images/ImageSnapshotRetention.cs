using PSClone.Tasks;

namespace PSClone.Images;

/// <summary>A task's retention policy applied to its image destination after a run that wrote a
/// snapshot: the snapshots the policy does not keep are removed and their space collected, as
/// <c>psclone image forget --keep-...</c> does. The passphrase of an encrypted image is the one the
/// run used (PSCLONE_PASSPHRASE for a scheduled task).</summary>
internal sealed class ImageSnapshotRetention : ISnapshotRetention
{
    private readonly Func<Passphrase?> _passphrase;

    public ImageSnapshotRetention(Func<Passphrase?> passphrase) => _passphrase = passphrase;

    public int Apply(string destination, CloneTaskRetention policy, IEngineEvents events, CancellationToken cancel)
    {
        var request = new ImageForgetRequest
        {
            Image = destination,
            KeepLast = policy.KeepLast,
            KeepDaily = policy.KeepDaily,
            KeepWeekly = policy.KeepWeekly,
            KeepMonthly = policy.KeepMonthly,
        };
        using var passphrase = _passphrase();
        return new ImageManager().Forget(request, passphrase, new QuietItems(events), cancel).Count;
    }

    /// <summary>The task's own output is its run; the removed snapshots are counted, not emitted.
    /// The run was approved as a whole, so the removal is not asked about again.</summary>
    private sealed class QuietItems(IEngineEvents inner) : IEngineEvents
    {
        public void Item(object item) => inner.Verbose($"Retention removed snapshot {(item as BackupSnapshot)?.Id ?? item}.");
        public void Progress(EngineProgress progress) => inner.Progress(progress);
        public void Warning(string message) => inner.Warning(message);
        public void Verbose(string message) => inner.Verbose(message);
        public void Error(EngineError error) => inner.Error(error);
        public bool ShouldProcess(string target, string action) => true;
    }
}
