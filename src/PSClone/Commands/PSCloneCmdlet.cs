using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>The base of every PSClone cmdlet: a cancellation token that StopProcessing (Ctrl+C)
/// cancels, and the bridge that runs engine work while delivering its events on the pipeline thread.</summary>
public abstract class PSCloneCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    protected CancellationToken CancelToken => _cancel.Token;

    /// <summary>Non-terminating errors this command wrote for engine failures (Test-CloneTask -Quiet
    /// is false after any).</summary>
    protected int ErrorsWritten { get; private set; }

    /// <summary>Progress activity id of this cmdlet's bar.</summary>
    protected virtual int ProgressActivityId => 1;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Runs engine work; items, progress, warnings and errors arrive here on the pipeline thread.
    /// An engine refusal ends the command (a terminating error). <paramref name="confirmed"/>: the
    /// cmdlet has already asked ShouldProcess for the whole operation, so the engine does not ask again.</summary>
    protected T RunEngine<T>(Func<IEngineEvents, CancellationToken, T> work, Action<object>? onItem = null, bool confirmed = false)
    {
        try
        {
            return Pump(work, onItem, confirmed);
        }
        catch (PSCloneException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>As <see cref="RunEngine{T}"/> for work about one input object (a task): an engine
    /// refusal is a non-terminating error about that object, false is returned, and the pipeline goes on.</summary>
    protected bool TryRunEngine<T>(Func<IEngineEvents, CancellationToken, T> work, out T result, Action<object>? onItem = null, bool confirmed = false)
    {
        try
        {
            result = Pump(work, onItem, confirmed);
            return true;
        }
        catch (PSCloneException ex)
        {
            WriteEngineError(Errors.From(ex));
            result = default!;
            return false;
        }
    }

    private T Pump<T>(Func<IEngineEvents, CancellationToken, T> work, Action<object>? onItem, bool confirmed)
    {
        var events = new CmdletEvents(this, onItem ?? WriteObject, confirmed);
        try
        {
            return EnginePump.Run(work, events, _cancel.Token);
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private void WriteEngineError(ErrorRecord record)
    {
        ErrorsWritten++;
        WriteError(record);
    }

    /// <summary>-WhatIf, or $WhatIfPreference when -WhatIf is not given.</summary>
    protected bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return bound is SwitchParameter { IsPresent: true };
        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    /// <summary>The -WhatIf of a clone (Invoke-Clone, Invoke-CloneTask): the engine's plan, one
    /// "What if" line per item exactly as the real run would do it; with <paramref name="passThru"/>
    /// also the planned items. Changes nothing. A refused run ends the command, or, with
    /// <paramref name="oneOfMany"/> (a task among several), is a non-terminating error.</summary>
    protected void PreviewClone(CloneRequest request, bool passThru, bool oneOfMany = false)
    {
        Func<IEngineEvents, CancellationToken, CloneRunResult> plan = (events, token) => new Cloning.CloneEngine().Run(request with { DryRun = true }, events, token);
        void OnItem(object item)
        {
            if (item is not CloneItemResult r) return;
            ShouldProcess(System.IO.Path.Combine(request.Destination, r.RelativePath), $"{r.Action} ({r.Reason})");
            if (passThru) WriteObject(r);
        }
        if (oneOfMany) TryRunEngine(plan, out _, OnItem);
        else RunEngine(plan, OnItem);
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

    private sealed class CmdletEvents(PSCloneCmdlet cmdlet, Action<object> onItem, bool confirmed) : IEngineEvents
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
        public void Error(EngineError error) => cmdlet.WriteEngineError(Errors.From(error));
        public bool ShouldProcess(string target, string action) => confirmed || cmdlet.ShouldProcess(target, action);
    }
}
