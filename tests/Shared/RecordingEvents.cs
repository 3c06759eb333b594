using System.Collections.Concurrent;

namespace PSClone.Tests.Support;

/// <summary>Collects what the engine reports.</summary>
public sealed class RecordingEvents : IEngineEvents
{
    public ConcurrentQueue<object> Items { get; } = new();
    public ConcurrentQueue<EngineError> Errors { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<EngineProgress> ProgressReports { get; } = new();
    public Func<string, string, bool> Answer { get; set; } = (_, _) => true;

    public IEnumerable<CloneItemResult> CloneItems => Items.OfType<CloneItemResult>();

    public void Item(object item) => Items.Enqueue(item);
    public void Progress(EngineProgress progress) => ProgressReports.Enqueue(progress);
    public void Warning(string message) => Warnings.Enqueue(message);
    public void Verbose(string message) { }
    public void Error(EngineError error) => Errors.Enqueue(error);
    public bool ShouldProcess(string target, string action) => Answer(target, action);

    /// <summary>"Action path" lines, sorted, for comparing what two runs did.</summary>
    public List<string> Actions() => CloneItems.Select(i => $"{i.Action} {i.RelativePath}").OrderBy(s => s, StringComparer.Ordinal).ToList();
}
