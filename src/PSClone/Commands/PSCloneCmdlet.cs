using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>The base of every PSClone cmdlet: a cancellation token that StopProcessing (Ctrl+C)
/// cancels, and the bridge that runs engine work while delivering its events on the pipeline thread.</summary>
public abstract class PSCloneCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    protected CancellationToken CancelToken => _cancel.Token;

    /// <summary>Progress activity id of this cmdlet's bar.</summary>
    protected virtual int ProgressActivityId => 1;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Runs engine work; items, progress, warnings and errors arrive here on the pipeline thread.</summary>
    protected T RunEngine<T>(Func<IEngineEvents, CancellationToken, T> work, Action<object>? onItem = null)
    {
        var events = new CmdletEvents(this, onItem ?? WriteObject);
        try
        {
            return EnginePump.Run(work, events, _cancel.Token);
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (PSCloneException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>A provider path (relative, ~, PSDrive) as a file-system path; the item need not exist.</summary>
    protected string ResolveFileSystemPath(string path, string parameterName)
    {
        string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.Name != "FileSystem") ThrowTerminatingError(Errors.NotFileSystem(parameterName, path));
        return resolved;
    }

    /// <summary>Releases what a cmdlet holds across records; PowerShell disposes cmdlets however they end.</summary>
    protected virtual void ReleaseResources()
    {
    }

    public void Dispose()
    {
        ReleaseResources();
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class CmdletEvents(PSCloneCmdlet cmdlet, Action<object> onItem) : IEngineEvents
    {
        private readonly Dictionary<string, int> _activityIds = new(StringComparer.Ordinal);

        public void Item(object item) => onItem(item);

        public void Progress(EngineProgress progress)
        {
            if (!_activityIds.TryGetValue(progress.Activity, out int id))
                _activityIds[progress.Activity] = id = cmdlet.ProgressActivityId + _activityIds.Count;
            string status = $"{ByteSize.Format(progress.BytesDone)} of {ByteSize.Format(progress.BytesTotal)}, " +
                            $"{progress.ItemsDone} of {progress.ItemsTotal} items, {ByteSize.Format((long)progress.BytesPerSecond)}/s";
            var record = new ProgressRecord(id, progress.Activity, status)
            {
                PercentComplete = progress.PercentComplete,
                CurrentOperation = progress.CurrentItem ?? "",
                SecondsRemaining = progress.Remaining is { } r ? (int)Math.Min(int.MaxValue, r.TotalSeconds) : -1,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            cmdlet.WriteProgress(record);
        }

        public void Warning(string message) => cmdlet.WriteWarning(message);
        public void Verbose(string message) => cmdlet.WriteVerbose(message);
        public void Error(EngineError error) => cmdlet.WriteError(Errors.From(error));
        public bool ShouldProcess(string target, string action) => cmdlet.ShouldProcess(target, action);
    }
}
