using PSClone.Images;
using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Cloning;

/// <summary>Runs one clone: checks, scan, guards, plan, then (unless a dry run) the plan itself.</summary>
public sealed class CloneEngine
{
    /// <summary>The percentage guard applies from this many destination items on.</summary>
    internal const int DeleteGuardMinimumItems = 20;

    private readonly IFileSystem _fs;

    public CloneEngine()
        : this(FileSystems.Current)
    {
    }

    internal CloneEngine(IFileSystem fs) => _fs = fs;

    /// <summary>Items changed this close before the last complete run get their extended attributes
    /// compared again. Null: 1 s on local file systems (kernels stamp status-change times from a coarse
    /// clock), 1 h when either side is on a network file system (another host's clock).</summary>
    internal TimeSpan? XattrClockMargin { get; init; }

    public CloneRunResult Run(CloneRequest request, IEngineEvents events, CancellationToken cancel)
    {
        var started = DateTimeOffset.Now;
        var counters = new RunCounters();
        events = new WarningCounter(events, counters);
        bool isImage = ImageDestination.IsImage(request.Destination);
        var paths = ClonePaths.Resolve(request, _fs, isImage);
        request = request with { Source = paths.Source, Destination = paths.Destination };
        var filter = new PathFilter(request.Include, request.Exclude, request.FilterFile);
        paths.CheckNesting(filter);
        ValidateOptions(request);

        var marker = paths.DestinationExists && !isImage ? DestinationMarker.TryRead(paths.Destination) : null;
        // Extended attributes change only an item's status-change time, so only items changed since
        // the last complete run are compared (FolderDestination.XattrsUnchangedBeforeNs). The margins
        // allow for a file server's clock (1 h), and locally for changes made in the second before a
        // run began and for the kernel stamping times from a clock that lags by up to one tick (20 ms).
        bool network = !isImage && (_fs.IsNetworkPath(paths.Source) || (paths.DestinationExists && _fs.IsNetworkPath(paths.Destination)));
        using ICloneDestination destination = isImage
            ? new ImageDestination(_fs, request, paths.Destination, XattrClockMargin)
            : new FolderDestination(_fs, request, paths.Destination, marker, filter.Signature,
                XattrClockMargin ?? (network ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(1)),
                XattrClockMargin ?? (network ? TimeSpan.FromHours(1) : TimeSpan.FromMilliseconds(20)));
        bool locked = false;
        if (!request.DryRun && destination.IsKnown)
        {
            destination.Open(started);
            locked = true;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Scan both trees at once: they usually live on different devices.
        var sourceRoot = _fs.TryGetEntry(paths.Source, withXattrs: false)!;
        void OnScanError(string rel, string full, Exception ex)
        {
            var error = ItemErrors.From(ex, rel, paths.Source);
            counters.ErrorMessages.Enqueue(error.Message);
            events.Error(error);
        }
        var scanOptions = new ScanOptions(filter, IsDestination: false, SkipPath: paths.Destination);
        var destinationScan = Task.Run(() => destination.ReadExisting(
            scanOptions with { IsDestination = true, SkipPath = null }, OnScanError, cancel), cancel);
        ScanResult sourceScan;
        try
        {
            sourceScan = TreeScanner.Scan(_fs, paths.Source, sourceRoot, scanOptions, OnScanError, cancel);
        }
        finally
        {
            try { destinationScan.Wait(CancellationToken.None); } catch (AggregateException) { }
        }
        var existing = destinationScan.GetAwaiter().GetResult();
        events.Verbose($"Scanned {sourceScan.Count} source and {destination.ExistingCount} destination items in {clock.ElapsedMilliseconds} ms.");
        if (sourceRoot.Unreadable)
            throw new PSCloneException("SourceNotReadable", FailureKind.PermissionDenied,
                $"The source folder '{paths.Source}' cannot be read. Check its permissions, or run with more privileges.", paths.Source);
        foreach (var name in sourceScan.ReservedSkipped)
        {
            events.Warning($"Skipped '{name}' at the source root: PSClone keeps that name for its own files at a destination.");
        }

        // An image keeps history in its snapshots: what leaves the source simply leaves the new snapshot.
        bool safetyNet = destination.Traits.HasSafetyNet;
        var settings = new PlanSettings
        {
            Mode = safetyNet ? request.SafetyNet : SafetyNetMode.Off,
            ProtectRoot = safetyNet && (request.ProtectRootItems ?? SafetyNetRules.DefaultProtectRoot(request.SafetyNet)),
            // An image cannot be compared byte for byte in place; it re-reads every file instead (ImageDestination).
            Checksum = request.Checksum && !isImage,
            XattrsUnchangedBeforeNs = destination.XattrsUnchangedBeforeNs,
            Traits = destination.Traits,
            SourceRoot = paths.Source,
            DestinationRoot = paths.Destination,
        };
        events.Verbose(settings.XattrsUnchangedBeforeNs.Source == long.MinValue
            ? "Extended attributes are compared for every item (no complete run with these filters is recorded)."
            : $"Extended attributes are compared for items changed since {DateTimeOffset.FromUnixTimeMilliseconds(settings.XattrsUnchangedBeforeNs.Source / 1_000_000):O} (source) and {DateTimeOffset.FromUnixTimeMilliseconds(settings.XattrsUnchangedBeforeNs.Destination / 1_000_000):O} (destination).");
        clock.Restart();
        var plan = ClonePlanner.Plan(sourceScan.Root, existing, settings, _fs, cancel);
        events.Verbose($"Planned {plan.ChangeCount} changes ({ByteSize.Format(plan.BytesToCopy)} to copy) in {clock.ElapsedMilliseconds} ms.");
        plan.DestinationItems = destination.ExistingCount;
        if (!request.Force && existing is not null) destination.CheckIdentity(plan);
        CheckDeletions(request, plan);

        MetadataLoss loss = MetadataLoss.None;
        if (!destination.Traits.CompareOwner && _fs.ProcessUid is uint uid && HasForeignOwner(sourceScan.Root, uid)) loss |= MetadataLoss.Owner;

        if (request.DryRun)
        {
            foreach (var step in plan.Steps)
            {
                foreach (var item in PlanRunner.ItemsFor(step))
                {
                    counters.Count(item);
                    events.Item(item);
                }
            }
            loss |= _fs.AlwaysLost & UsedMetadata(sourceScan.Root);
            ReportLoss(loss, events);
            return Summarize(request, started, counters, plan, new DestinationSummary(), loss, dryRun: true, status: null);
        }

        int changes = plan.ChangeCount;
        if (changes > 0 && !events.ShouldProcess(paths.Destination, Describe(plan, request)))
        {
            return Summarize(request, started, counters, plan, new DestinationSummary(), MetadataLoss.None, dryRun: false, status: CloneStatus.Canceled);
        }
        if (!locked) destination.Open(started);

        DestinationSummary summary;
        CloneStatus? status = null;
        try
        {
            clock.Restart();
            destination.Prepare(plan, events, cancel);
            new PlanRunner(plan, destination, request, _fs, events, counters).Run(cancel);
            events.Verbose($"Carried out the plan in {clock.ElapsedMilliseconds} ms.");
            clock.Restart();
            summary = destination.Finish(sourceScan.Root, completed: counters.Errors == 0, CancellationToken.None);
            events.Verbose($"Finished the destination (folder times, SafetyNet) in {clock.ElapsedMilliseconds} ms.");
        }
        catch (OperationCanceledException)
        {
            summary = FinishAfterStop(destination, sourceScan.Root);
            status = CloneStatus.Canceled;
            events.Warning("The run was canceled; what was copied so far is consistent, and the next run goes on from there.");
        }
        catch (DestinationFailedException ex)
        {
            summary = FinishAfterStop(destination, sourceScan.Root);
            if (ex.NothingDone) throw; // e.g. a full image: nothing was committed, so it is a refusal
            status = CloneStatus.Failed;
            counters.ErrorMessages.Enqueue(ex.Message);
            events.Error(new EngineError(ex.ErrorId, ex.Kind, ex.Message, ex.Target, ex));
        }
        foreach (var warning in summary.Warnings) events.Warning(warning);
        loss |= destination.Loss | (_fs.AlwaysLost & UsedMetadata(sourceScan.Root));
        ReportLoss(loss, events);
        return Summarize(request, started, counters, plan, summary, loss, dryRun: false, status);
    }

    /// <summary>Metadata the destination could not keep: one warning per run, not one per item.</summary>
    private static void ReportLoss(MetadataLoss loss, IEngineEvents events)
    {
        if (loss == MetadataLoss.None) return;
        var reasons = Enum.GetValues<MetadataLoss>().Where(f => f != MetadataLoss.None && loss.HasFlag(f)).Select(f => f switch
        {
            MetadataLoss.Owner => "owners and groups (run as root/administrator to keep them)",
            MetadataLoss.ExtendedAttributes => "extended attributes (not supported here)",
            MetadataLoss.Permissions when OperatingSystem.IsWindows() => "access control lists (Windows ACLs are not copied; items get the destination folder's inherited ACL)",
            MetadataLoss.Permissions => "permission bits (not supported by the destination)",
            MetadataLoss.Timestamps => "exact modification times (the destination keeps coarser times)",
            MetadataLoss.HardLinks => "hard links (copied as separate files)",
            MetadataLoss.Sparseness => "holes in sparse files (written out in full)",
            MetadataLoss.FileAttributes => "file attributes",
            _ => f.ToString(),
        });
        events.Warning("Not preserved on this destination: " + string.Join("; ", reasons) + ".");
    }

    private static DestinationSummary FinishAfterStop(ICloneDestination destination, FsEntry sourceRoot)
    {
        try
        {
            return destination.Finish(sourceRoot, completed: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DestinationSummary();
        }
    }

    private static string Describe(ClonePlan plan, CloneRequest request)
    {
        int copy = plan.Steps.Count(s => s.Kind is StepKind.CopyFile or StepKind.MakeDirectory or StepKind.MakeSymlink or StepKind.MakeHardLink);
        int update = plan.Steps.Count(s => s.Kind is StepKind.UpdateFile or StepKind.UpdateSymlink or StepKind.UpdateMetadata);
        int remove = plan.Steps.Count(s => s.Kind == StepKind.Remove);
        return $"Clone from '{request.Source}' ({copy} new, {update} updated, {remove} removed or archived, " +
               $"{ByteSize.Format(plan.BytesToCopy)} to copy, SafetyNet {request.SafetyNet})";
    }

    internal static void ValidateOptions(CloneRequest request)
    {
        if (request.MaxDeletePercent is < 0 or > 100 || double.IsNaN(request.MaxDeletePercent))
            throw Bad("InvalidMaxDeletePercent", $"-MaxDeletePercent must be between 0 and 100, not {request.MaxDeletePercent}.");
        if (request.MaxDelete is < 0)
            throw Bad("InvalidMaxDelete", $"-MaxDelete must be 0 or more, not {request.MaxDelete}.");
        if (request.RetryCount < 0)
            throw Bad("InvalidRetryCount", $"-RetryCount must be 0 or more, not {request.RetryCount}.");
        if (request.Parallelism is < 1)
            throw Bad("InvalidParallelism", $"-Parallelism must be 1 or more, not {request.Parallelism}.");
        if (request.SafetyNetLimits.MinFreeBytes is < 0 || request.SafetyNetLimits.MaxSizeBytes is < 0 || request.SafetyNetLimits.MaxAge < TimeSpan.Zero)
            throw Bad("InvalidSafetyNetLimit", "SafetyNet limits cannot be negative.");
    }

    private static PSCloneException Bad(string id, string message) => new(id, FailureKind.InvalidArgument, message);

    /// <summary>The empty-source guard: refuse before anything is deleted or archived.</summary>
    private static void CheckDeletions(CloneRequest request, ClonePlan plan)
    {
        long leaving = plan.ItemsLeavingAsDeleted;
        if (leaving == 0) return;
        // An empty source is the classic unmounted drive: only an explicit 100% allows emptying the destination.
        if (plan.SourceItems == 0 && request.MaxDeletePercent < 100)
            throw new PSCloneException("EmptySource", FailureKind.InvalidOperation,
                $"The source '{request.Source}' is empty, and cloning it would remove all {leaving} items from '{request.Destination}'. " +
                "Check that the source drive is mounted; to empty the destination on purpose, use -MaxDeletePercent 100.", request.Source);
        // -MaxDelete, when given, is the limit (as rsync's --max-delete); otherwise the percentage is.
        if (request.MaxDelete is int max)
        {
            if (leaving > max) throw TooMany(request, plan, $"more than -MaxDelete {max}");
            return;
        }
        if (plan.DestinationItems >= DeleteGuardMinimumItems && leaving * 100.0 / plan.DestinationItems > request.MaxDeletePercent)
            throw TooMany(request, plan, $"more than {request.MaxDeletePercent:0.#}% of the destination's {plan.DestinationItems} items");
    }

    private static PSCloneException TooMany(CloneRequest request, ClonePlan plan, string limit) =>
        new("TooManyDeletions", FailureKind.InvalidOperation,
            $"The clone would remove {plan.ItemsLeavingAsDeleted} items from '{request.Destination}' ({limit}); nothing was changed. " +
            "Check that the source is complete (a drive not mounted looks empty); if the deletions are intended, raise -MaxDelete or -MaxDeletePercent.",
            request.Destination);

    private static bool HasForeignOwner(FsEntry dir, uint uid)
    {
        if (dir.Uid != uid) return true;
        if (dir.Children is null) return false;
        foreach (var c in dir.Children)
        {
            if (c.Uid != uid) return true;
            if (c.Kind == ItemType.Directory && HasForeignOwner(c, uid)) return true;
        }
        return false;
    }

    /// <summary>Which metadata the source actually uses, so a loss is reported only when it matters.</summary>
    private static MetadataLoss UsedMetadata(FsEntry root)
    {
        var used = MetadataLoss.Timestamps | MetadataLoss.Permissions | MetadataLoss.FileAttributes;
        var seen = new HashSet<(ulong, ulong)>();
        void Walk(FsEntry d)
        {
            if (d.Children is null) return;
            foreach (var c in d.Children)
            {
                if (c.Xattrs is { IsEmpty: false }) used |= MetadataLoss.ExtendedAttributes;
                if (c.IsSparse) used |= MetadataLoss.Sparseness;
                if (c.Kind == ItemType.File && c.LinkCount > 1 && !seen.Add((c.Device, c.Inode))) used |= MetadataLoss.HardLinks;
                if (c.Kind == ItemType.Directory) Walk(c);
            }
        }
        Walk(root);
        used &= ~MetadataLoss.Timestamps & ~MetadataLoss.Permissions & ~MetadataLoss.FileAttributes;
        // Every Windows item has an ACL, and the portable implementation does not copy them: always say so.
        if (OperatingSystem.IsWindows()) used |= MetadataLoss.Permissions;
        return used;
    }

    private CloneRunResult Summarize(CloneRequest request, DateTimeOffset started, RunCounters counters, ClonePlan plan,
        DestinationSummary summary, MetadataLoss loss, bool dryRun, CloneStatus? status)
    {
        var lossNames = Enum.GetValues<MetadataLoss>().Where(f => f != MetadataLoss.None && loss.HasFlag(f))
            .Select(f => f.ToString()).ToArray();
        int warnings = counters.Warnings;
        var errors = counters.ErrorMessages.ToArray();
        var finalStatus = status ?? (counters.Errors > 0 ? CloneStatus.CompletedWithErrors
            : warnings > 0 ? CloneStatus.CompletedWithWarnings : CloneStatus.Success);
        return new CloneRunResult
        {
            Source = request.Source,
            Destination = request.Destination,
            StartTime = started,
            EndTime = DateTimeOffset.Now,
            Status = finalStatus,
            DryRun = dryRun,
            ItemsScanned = plan.SourceItems,
            ItemsCopied = counters.Copied,
            ItemsUpdated = counters.Updated,
            ItemsArchived = counters.Archived,
            ItemsDeleted = counters.Deleted,
            ItemsSkipped = counters.Skipped,
            ItemsFailed = counters.Failed,
            BytesCopied = dryRun ? plan.BytesToCopy : counters.BytesCopied,
            ItemsVerified = counters.Verified,
            Errors = errors.Length,
            Warnings = warnings,
            ErrorMessages = errors,
            MetadataNotPreserved = lossNames,
            SafetyNetFolder = summary.SafetyNetFolder,
            SafetyNetRunsPruned = summary.SafetyNetRunsPruned,
            AdjustedMinFreeBytes = summary.AdjustedMinFreeBytes,
            SnapshotId = summary.SnapshotId,
        };
    }

    /// <summary>Counts every warning the run reports, whoever reports it, for the run's status.</summary>
    private sealed class WarningCounter(IEngineEvents inner, RunCounters counters) : IEngineEvents
    {
        public void Item(object item) => inner.Item(item);
        public void Progress(EngineProgress progress) => inner.Progress(progress);
        public void Verbose(string message) => inner.Verbose(message);
        public void Error(EngineError error) => inner.Error(error);
        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);

        public void Warning(string message)
        {
            Interlocked.Increment(ref counters.Warnings);
            inner.Warning(message);
        }
    }
}
