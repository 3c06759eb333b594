using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PSClone.Cli;

/// <summary>The CLI's side of the engine's events: JSON lines (camelCase, one object per line, each
/// with a "type") or human text on stdout; errors and warnings on stderr; a progress line on stderr
/// when it is a terminal. The CLI never prompts: running a command is the confirmation.</summary>
internal sealed class CliHost : IEngineEvents
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Lines are read by scripts and people, never embedded in HTML: keep quotes and '+' readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
            CliJson.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
    };

    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly bool _progress;
    private int _progressWidth;

    public CliHost(bool json, bool listItems, bool quiet)
    {
        JsonOutput = json;
        ListItems = listItems;
        Quiet = quiet;
        _out = Console.Out;
        _err = Console.Error;
        _progress = !quiet && !Console.IsErrorRedirected;
    }

    public bool JsonOutput { get; }
    public bool ListItems { get; }
    public bool Quiet { get; }
    public bool ShowVerbose { get; init; }
    public int Errors { get; private set; }
    public int Warnings { get; private set; }

    /// <summary>Writes one object: a JSON line with its type first, or (for humans) what <paramref name="human"/> says.</summary>
    public void Emit(string type, object value, Func<string>? human)
    {
        ClearProgress();
        if (JsonOutput)
        {
            var node = JsonSerializer.SerializeToNode(value, value.GetType(), Json)!.AsObject();
            var line = new JsonObject { ["type"] = type };
            foreach (var (key, v) in node.ToList())
            {
                node.Remove(key);
                line[key] = v;
            }
            _out.WriteLine(line.ToJsonString(Json));
        }
        else if (human is not null)
        {
            _out.WriteLine(human());
        }
    }

    public void Item(object item)
    {
        switch (item)
        {
            case CloneItemResult r:
                Emit("item", r, ListItems ? () => $"{r.Action,-8} {r.RelativePath}{(r.ItemType == ItemType.Directory ? "/" : "")}  ({r.Reason})" : null);
                break;
            case CloneDifference d:
                Emit("difference", d, () => $"{d.Difference,-15} {d.RelativePath}  ({d.Detail})");
                break;
            case BackupSnapshot snapshot:
                Emit("snapshot", snapshot, () => snapshot.ToString());
                break;
            case ImageVerifyFinding finding:
                Emit("finding", finding, () => $"{finding.Problem}: {finding.Message}");
                break;
            default:
                Emit(JsonNamingPolicy.CamelCase.ConvertName(item.GetType().Name), item, () => item.ToString() ?? "");
                break;
        }
    }

    public void Progress(EngineProgress progress)
    {
        if (!_progress) return;
        if (progress.Completed)
        {
            ClearProgress();
            return;
        }
        string eta = progress.Remaining is { } r ? $", {(int)r.TotalMinutes}:{r.Seconds:00} left" : "";
        string pct = progress.PercentComplete >= 0 ? $"{progress.PercentComplete,3}% " : "";
        string line = $"{pct}{ByteSize.Format(progress.BytesDone)} of {ByteSize.Format(progress.BytesTotal)}, " +
                      $"{progress.ItemsDone}/{progress.ItemsTotal} items, {ByteSize.Format((long)progress.BytesPerSecond)}/s{eta}  {progress.CurrentItem}";
        int width = Math.Max(20, SafeWidth() - 1);
        if (line.Length > width) line = line[..width];
        _err.Write("\r" + line.PadRight(_progressWidth));
        _progressWidth = line.Length;
    }

    private static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; }
        catch (IOException) { return 100; }
    }

    private void ClearProgress()
    {
        if (_progressWidth == 0) return;
        _err.Write("\r" + new string(' ', _progressWidth) + "\r");
        _progressWidth = 0;
    }

    public void Warning(string message)
    {
        Warnings++;
        ClearProgress();
        if (JsonOutput) Emit("warning", new WarningLine(message), null);
        if (!Quiet) _err.WriteLine("warning: " + message);
    }

    public void Verbose(string message)
    {
        if (!ShowVerbose) return;
        ClearProgress();
        _err.WriteLine("verbose: " + message);
    }

    public void Error(EngineError error)
    {
        Errors++;
        ClearProgress();
        if (JsonOutput)
            Emit("error", new ErrorLine(error.ErrorId, error.Kind.ToString(), error.Message, error.Target), null);
        _err.WriteLine("error: " + error.Message);
    }

    public void Fatal(string errorId, string category, string message, string? target)
    {
        ClearProgress();
        if (JsonOutput) Emit("error", new ErrorLine(errorId, category, message, target), null);
        _err.WriteLine("error: " + message);
    }

    public bool ShouldProcess(string target, string action) => true;
}
