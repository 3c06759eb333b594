using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Cloning;

/// <summary>The destination cannot go on (full beyond what pruning frees, or gone): the run stops.
/// <paramref name="nothingDone"/>: the destination is unchanged (an image that refused to grow commits nothing).</summary>
internal sealed class DestinationFailedException(string errorId, FailureKind kind, string message, string? target, Exception? inner = null, bool nothingDone = false)
    : PSCloneException(errorId, kind, message, target, inner, nothingDone);

/// <summary>Counts of a run, updated from worker threads.</summary>
internal sealed class RunCounters
{
    public long Copied, Updated, Archived, Deleted, Skipped, Failed, BytesCopied, Verified;
    public int Warnings;
    public readonly ConcurrentQueue<string> ErrorMessages = new();
    public int Errors => ErrorMessages.Count;

    public void Count(CloneItemResult item)
    {
        switch (item.Action)
        {
            case CloneAction.Copied: Interlocked.Increment(ref Copied); break;
            case CloneAction.Updated: Interlocked.Increment(ref Updated); break;
            case CloneAction.Archived: Interlocked.Increment(ref Archived); break;
            case CloneAction.Deleted: Interlocked.Increment(ref Deleted); break;
            case CloneAction.Skipped: Interlocked.Increment(ref Skipped); break;
            case CloneAction.Failed: Interlocked.Increment(ref Failed); break;
        }
    }
}

/// <summary>Carries out a <see cref="ClonePlan"/> against an <see cref="ICloneDestination"/>:
/// removals, then folders, then files and links in parallel, then hard links; per-item errors
/// with retries; progress; optional verification.</summary>
internal sealed class PlanRunner
{
    private readonly ClonePlan _plan;
    private readonly ICloneDestination _destination;
    private readonly CloneRequest _request;
    private readonly IEngineEvents _events;
    private readonly IFileSystem _fs;
    private readonly RunCounters _counters;
    private readonly ProgressTracker _progress;
    private readonly ConcurrentDictionary<string, byte> _failedPaths = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<PlanStep> _copied = new();

    public PlanRunner(ClonePlan plan, ICloneDestination destination, CloneRequest request, IFileSystem fs, IEngineEvents events, RunCounters counters)
    {
        _plan = plan;
        _destination = destination;
        _request = request;
        _fs = fs;
        _events = events;
        _counters = counters;
        _progress = new ProgressTracker(events, "Cloning " + request.Source + " to " + request.Destination,
            plan.Steps.Count(s => s.Kind != StepKind.Keep), plan.BytesToCopy);
    }

    /// <summary>The items a step reports, identical for a dry run and a real run.</summary>
    public static IEnumerable<CloneItemResult> ItemsFor(PlanStep step)
    {
        var source = step.Source;
        switch (step.Kind)
        {
            case StepKind.Keep:
                yield break;
            case StepKind.Remove:
                yield return Item(step.OldDisposition == Disposition.Archive ? CloneAction.Archived : CloneAction.Deleted,
                    step.RelativePath, step.Existing!, step.Reason);
                yield break;
            case StepKind.UpdateMetadata:
                yield return Item(CloneAction.Updated, step.RelativePath, source!, step.Reason);
                yield break;
            case StepKind.SkipSpecial:
                yield return Item(CloneAction.Skipped, step.RelativePath, source!, step.Reason);
                yield break;
            case StepKind.Fail:
                yield return Item(CloneAction.Failed, step.RelativePath, source!, step.Reason) with { Error = step.Reason };
                yield break;
        }
        if (step.Existing is not null && step.OldDisposition == Disposition.Archive)
            yield return Item(CloneAction.Archived, step.RelativePath, step.Existing, "Modified");
        bool isNew = step.Existing is null && !step.ReplacesOtherType;
        yield return Item(isNew ? CloneAction.Copied : CloneAction.Updated, step.RelativePath, source!, step.Reason);
    }

    private static CloneItemResult Item(CloneAction action, string path, FsEntry entry, string reason) => new()
    {
        Action = action,
        RelativePath = path,
        ItemType = entry.Kind,
        Size = entry.Kind == ItemType.Directory ? 0 : entry.Size,
        Reason = reason,
    };

    public void Run(CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            var steps = _plan.Steps;
            foreach (var step in steps.Where(s => s.Kind == StepKind.Remove)) RunStep(step, stop.Token);
            foreach (var step in steps.Where(s => s.Kind == StepKind.MakeDirectory)) RunStep(step, stop.Token);

            var parallel = steps
                .Where(s => s.Kind is StepKind.CopyFile or StepKind.UpdateFile or StepKind.MakeSymlink or StepKind.UpdateSymlink
                    || (s.Kind == StepKind.UpdateMetadata && s.Source!.Kind != ItemType.Directory))
                .OrderByDescending(s => s.Bytes)
                .ToList();
            RunParallel(parallel, stop);

            foreach (var step in steps.Where(s => s.Kind == StepKind.MakeHardLink)) RunStep(step, stop.Token);
            foreach (var step in steps.Where(s => s.Kind == StepKind.UpdateMetadata && s.Source!.Kind == ItemType.Directory)) RunStep(step, stop.Token);
            foreach (var step in steps.Where(s => s.Kind is StepKind.SkipSpecial or StepKind.Fail)) Report(step);

            if (_request.Verify) Verify(stop);
        }
        finally
        {
            _progress.Complete();
        }
    }

    private int Workers => Math.Clamp(_request.Parallelism ?? Environment.ProcessorCount * 2, 1, 64);

    private void RunParallel(List<PlanStep> steps, CancellationTokenSource stop)
    {
        if (steps.Count == 0) return;
        Exception? fatal = null;
        int next = -1;
        void Work()
        {
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= steps.Count) return;
                try
                {
                    RunStep(steps[i], stop.Token);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref fatal, ex, null);
                    stop.Cancel();
                    return;
                }
            }
        }
        int workers = Math.Min(Workers, steps.Count);
        var threads = new Task[workers];
        for (int w = 0; w < workers; w++) threads[w] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task.WaitAll(threads);
        if (fatal is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fatal);
        stop.Token.ThrowIfCancellationRequested();
    }

    private void RunStep(PlanStep step, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        string? blocked = BlockedBy(step);
        if (blocked is not null)
        {
            Fail(step, new PSCloneException("ParentFailed", FailureKind.WriteError,
                $"'{step.RelativePath}' was not written because {blocked} failed.", step.RelativePath));
            return;
        }
        _progress.Start(step.RelativePath);
        int attempt = 0;
        while (true)
        {
            int roomMade = _destination.RoomMade;
            try
            {
                _destination.Apply(step, cancel);
                break;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (DestinationFailedException)
            {
                throw; // the whole run stops, not just this item
            }
            catch (PlatformIOException ex) when (ex.Failure == IOFailure.DiskFull)
            {
                if (_destination.TryMakeRoom(step, Interlocked.Read(ref _counters.BytesCopied), roomMade, _events, cancel)) continue;
                long available = _destination.AvailableBytes;
                long remaining = Math.Max(step.Bytes, _plan.BytesToCopy - Interlocked.Read(ref _counters.BytesCopied));
                throw new DestinationFailedException("DestinationFull", FailureKind.QuotaExceeded,
                    $"The destination '{_destination.Display}' is full: {ByteSize.Format(Math.Max(0, remaining - available))} more " +
                    $"are needed to finish ({ByteSize.Format(remaining)} still to copy, {ByteSize.Format(available)} free; " +
                    $"'{step.RelativePath}' did not fit). Free some space or lower the SafetyNet limits, then run again.",
                    _destination.Display, ex);
            }
            catch (Exception ex) when (IsRetryable(ex) && attempt < _request.RetryCount)
            {
                var delay = TimeSpan.FromTicks(_request.RetryDelay.Ticks << Math.Min(attempt, 10));
                _events.Verbose($"Retrying '{step.RelativePath}' in {delay.TotalSeconds:0.#} s: {ex.Message}");
                attempt++;
                if (delay > TimeSpan.Zero) cancel.WaitHandle.WaitOne(delay);
                cancel.ThrowIfCancellationRequested();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PSCloneException)
            {
                CheckDestinationAlive(ex);
                Fail(step, ex);
                return;
            }
        }
        if (step.MovesData)
        {
            Interlocked.Add(ref _counters.BytesCopied, step.Bytes);
            _copied.Add(step);
        }
        _progress.Done(step.Bytes);
        Report(step);
    }

    private static bool IsRetryable(Exception ex) =>
        ex is SourceChangedException || (ex is PlatformIOException p && p.Failure == IOFailure.Transient);

    /// <summary>A step whose folder (or hard-link leader) failed cannot succeed.</summary>
    private string? BlockedBy(PlanStep step)
    {
        if (_failedPaths.IsEmpty) return null;
        if (step.Group is { } group && _failedPaths.ContainsKey(group.LeaderPath)) return $"its hard-link leader '{group.LeaderPath}'";
        string path = step.RelativePath;
        for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            string parent = path[..slash];
            if (_failedPaths.ContainsKey(parent)) return $"its folder '{parent}'";
        }
        return null;
    }

    private void CheckDestinationAlive(Exception cause)
    {
        // A folder, or a SingleFile backup image.
        if (_fs.TryGetEntry(_request.Destination, false) is { Kind: ItemType.Directory or ItemType.File }) return;
        throw new DestinationFailedException("DestinationFailed", FailureKind.WriteError,
            $"The destination '{_request.Destination}' is no longer available ({cause.Message}). Reconnect it and run again; what was copied stays consistent.",
            _request.Destination, cause);
    }

    private void Report(PlanStep step)
    {
        foreach (var item in ItemsFor(step))
        {
            _counters.Count(item);
            if (item.Action == CloneAction.Failed)
            {
                _failedPaths.TryAdd(step.RelativePath, 0);
                var error = new EngineError("TypeChangeNotAllowed", FailureKind.InvalidOperation, item.Error!, item.RelativePath, null);
                _counters.ErrorMessages.Enqueue(error.Message);
                _events.Error(error);
            }
            else if (item.Action == CloneAction.Skipped)
            {
                _events.Warning($"Skipped '{item.RelativePath}': {item.Reason.ToLowerInvariant()}.");
            }
            _events.Item(item);
        }
    }

    private void Fail(PlanStep step, Exception ex)
    {
        _failedPaths.TryAdd(step.RelativePath, 0);
        var error = ItemErrors.From(ex, step.RelativePath, _request.Source);
        _counters.ErrorMessages.Enqueue(error.Message);
        _events.Error(error);
        var source = step.Source ?? step.Existing!;
        var item = new CloneItemResult
        {
            Action = CloneAction.Failed,
            RelativePath = step.RelativePath,
            ItemType = source.Kind,
            Size = source.Kind == ItemType.Directory ? 0 : source.Size,
            Reason = step.Reason,
            Error = error.Message,
        };
        _counters.Count(item);
        _progress.Done(step.Bytes);
        _events.Item(item);
    }

    /// <summary>Re-reads every copied file on both sides and compares SHA-256 digests.</summary>
    private void Verify(CancellationTokenSource stop)
    {
        var steps = _copied.OrderBy(s => s.RelativePath, StringComparer.Ordinal).ToList();
        var verifyProgress = new ProgressTracker(_events, "Verifying " + _request.Destination, steps.Count, steps.Sum(s => s.Bytes));
        try
        {
            Parallel.ForEach(steps, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(Workers, 4), CancellationToken = stop.Token }, step =>
            {
                verifyProgress.Start(step.RelativePath);
                try
                {
                    byte[] a, b;
                    using (var s = _fs.OpenRead(_request.Source + "/" + step.RelativePath)) a = SHA256.HashData(s);
                    using (var d = _destination.OpenRead(step.RelativePath)) b = SHA256.HashData(d);
                    if (!a.AsSpan().SequenceEqual(b))
                    {
                        var error = new EngineError("VerifyFailed", FailureKind.InvalidData,
                            $"Verification failed for '{step.RelativePath}': the copy's SHA-256 differs from the source's. Run the clone again with -Checksum to recopy it.",
                            step.RelativePath, null);
                        _counters.ErrorMessages.Enqueue(error.Message);
                        _events.Error(error);
                    }
                    else
                    {
                        Interlocked.Increment(ref _counters.Verified);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    var error = ItemErrors.From(ex, step.RelativePath, _request.Source) with { ErrorId = "VerifyReadFailed" };
                    _counters.ErrorMessages.Enqueue(error.Message);
                    _events.Error(error);
                }
                verifyProgress.Done(step.Bytes);
            });
        }
        finally
        {
            verifyProgress.Complete();
        }
    }
}

/// <summary>Turns an exception about one item into an <see cref="EngineError"/> with a stable id.</summary>
internal static class ItemErrors
{
    public static EngineError From(Exception ex, string relativePath, string sourceRoot)
    {
        if (ex is PSCloneException pe) return new EngineError(pe.ErrorId, pe.Kind, pe.Message, relativePath, ex);
        if (ex is SourceChangedException)
            return new EngineError("ItemChanged", FailureKind.ReadError,
                $"'{relativePath}' kept changing while it was being copied; it was not replaced. Run the clone again when it is quiet.", relativePath, ex);
        var failure = PlatformIOException.Classify(ex);
        bool sourceSide = ex is PlatformIOException p ? p.Path.StartsWith(sourceRoot, StringComparison.Ordinal) && !p.Operation.StartsWith("Cannot write", StringComparison.Ordinal)
            : false;
        var (id, kind, advice) = failure switch
        {
            IOFailure.NotFound when sourceSide => ("ItemVanished", FailureKind.ObjectNotFound, "It vanished from the source during the run."),
            IOFailure.NotFound => ("ItemNotFound", FailureKind.ObjectNotFound, "Something it needs is missing on the destination."),
            IOFailure.AccessDenied => ("ItemAccessDenied", FailureKind.PermissionDenied, "Check its permissions, or run with more privileges."),
            IOFailure.NameTooLong => ("ItemNameTooLong", FailureKind.InvalidArgument, "Shorten its name or path, or exclude it."),
            _ when sourceSide => ("ItemReadFailed", FailureKind.ReadError, "Check the source device."),
            _ => ("ItemWriteFailed", FailureKind.WriteError, "Check the destination device."),
        };
        return new EngineError(id, kind, $"'{relativePath}' was not cloned: {ex.Message}. {advice}", relativePath, ex);
    }
}

/// <summary>Counts items and bytes, and reports progress with rate and ETA at most four times a second.</summary>
internal sealed class ProgressTracker
{
    private readonly IEngineEvents _events;
    private readonly string _activity;
    private readonly long _itemsTotal;
    private readonly long _bytesTotal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _items;
    private long _bytes;
    private long _lastReportTicks = -1;
    private string? _current;

    public ProgressTracker(IEngineEvents events, string activity, long itemsTotal, long bytesTotal)
    {
        _events = events;
        _activity = activity;
        _itemsTotal = itemsTotal;
        _bytesTotal = bytesTotal;
    }

    public void Start(string item)
    {
        Volatile.Write(ref _current, item);
        MaybeReport();
    }

    public void Done(long bytes)
    {
        Interlocked.Increment(ref _items);
        Interlocked.Add(ref _bytes, bytes);
        MaybeReport();
    }

    private void MaybeReport()
    {
        long now = _clock.ElapsedTicks;
        long last = Interlocked.Read(ref _lastReportTicks);
        if (last >= 0 && now - last < Stopwatch.Frequency / 4) return;
        if (Interlocked.CompareExchange(ref _lastReportTicks, now, last) != last) return;
        _events.Progress(Snapshot(completed: false));
    }

    private EngineProgress Snapshot(bool completed)
    {
        long bytes = Interlocked.Read(ref _bytes);
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        double rate = bytes / seconds;
        TimeSpan? remaining = rate > 0 && _bytesTotal > bytes ? TimeSpan.FromSeconds((_bytesTotal - bytes) / rate) : null;
        return new EngineProgress
        {
            Activity = _activity,
            Phase = completed ? "Done" : "Copying",
            ItemsDone = Interlocked.Read(ref _items),
            ItemsTotal = _itemsTotal,
            BytesDone = bytes,
            BytesTotal = _bytesTotal,
            CurrentItem = Volatile.Read(ref _current),
            BytesPerSecond = rate,
            Remaining = remaining,
            Completed = completed,
        };
    }

    public void Complete() => _events.Progress(Snapshot(completed: true));
}
