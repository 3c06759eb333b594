namespace PSClone;

/// <summary>What the engine reports while it works. Hosts turn these into their own idiom
/// (WriteObject/WriteProgress/WriteError/ShouldProcess, or JSON lines and exit codes).
/// The engine may call these from worker threads; <see cref="EnginePump"/> brings them back to one thread.</summary>
public interface IEngineEvents
{
    /// <summary>A typed result (a <see cref="CloneItemResult"/>, a difference, a SafetyNet item, ...).</summary>
    void Item(object item);

    void Progress(EngineProgress progress);
    void Warning(string message);
    void Verbose(string message);

    /// <summary>A non-terminating error about one item.</summary>
    void Error(EngineError error);

    /// <summary>Asked before a change is made; false means "do not".</summary>
    bool ShouldProcess(string target, string action);
}

/// <summary>Events that go nowhere and allow everything; for tests and internal calls.</summary>
public sealed class NullEngineEvents : IEngineEvents
{
    public static readonly NullEngineEvents Instance = new();

    public void Item(object item) { }
    public void Progress(EngineProgress progress) { }
    public void Warning(string message) { }
    public void Verbose(string message) { }
    public void Error(EngineError error) { }
    public bool ShouldProcess(string target, string action) => true;
}
