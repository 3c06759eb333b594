using System.Globalization;
using System.Text;

namespace PSClone.Tasks;

/// <summary>The per-run audit log: one line per event, tab-separated, easy to grep and to read:
/// TIME  KIND  PATH  DETAIL. KIND is a clone action (Copied, Updated, Archived, Deleted, Skipped,
/// Failed) with the reason it was taken as DETAIL, or Task, Start, Source, Destination, PreScript,
/// PostScript, Warning, Error, Status, Notify. Engine workers write from several threads.</summary>
internal sealed class TaskAuditLog : IDisposable
{
    private readonly object _gate = new();
    private StreamWriter? _writer;

    private TaskAuditLog(StreamWriter? writer, string? problem)
    {
        _writer = writer;
        Problem = problem;
    }

    /// <summary>Why the log could not be opened (the run goes on without it).</summary>
    public string? Problem { get; }

    public static TaskAuditLog Open(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            return new TaskAuditLog(new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" }, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new TaskAuditLog(null, $"The audit log '{path}' could not be created: {ex.Message}");
        }
    }

    public void Item(CloneItemResult item) =>
        Line(item.Action.ToString(), item.RelativePath + (item.ItemType == ItemType.Directory ? "/" : ""),
            item.Error is null ? item.Reason : $"{item.Reason}: {item.Error}");

    public void Line(string kind, string path, string detail)
    {
        string line = string.Join('\t', DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            kind, Clean(path), Clean(detail));
        lock (_gate)
        {
            if (_writer is null) return;
            try
            {
                _writer.WriteLine(line);
            }
            catch (IOException)
            {
                _writer = null; // a full disk must not stop the clone; the history still records the run
            }
        }
    }

    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    public void Flush()
    {
        lock (_gate)
        {
            try { _writer?.Flush(); } catch (IOException) { _writer = null; }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try { _writer?.Dispose(); } catch (IOException) { }
            _writer = null;
        }
    }
}
