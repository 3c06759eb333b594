namespace PSClone;

/// <summary>An engine failure with a stable error id that hosts surface as is
/// (FullyQualifiedErrorId in PowerShell, exit codes in the CLI).</summary>
public class PSCloneException : Exception
{
    public PSCloneException(string errorId, FailureKind kind, string message, string? target = null, Exception? inner = null, bool nothingDone = true)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
        NothingDone = nothingDone;
    }

    /// <summary>Terse, stable, no whitespace: part of the contract scripts rely on.</summary>
    public string ErrorId { get; }
    public FailureKind Kind { get; }

    /// <summary>The item the error is about (a path, a task name), when there is one.</summary>
    public string? Target { get; }

    /// <summary>True when the operation was refused before anything changed (CLI exit 2);
    /// false when it stopped part way (exit 3).</summary>
    public bool NothingDone { get; }
}
