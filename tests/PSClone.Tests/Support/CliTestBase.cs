using System.Text.Json.Nodes;
using Xunit;

namespace PSClone.Tests.Support;

/// <summary>A temp folder with a source tree and a destination path, and the assertions every CLI
/// test makes: exact exit codes, the error id of a refusal, and the JSON summary.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase(string name)
    {
        Dir = new TempDir(name);
        Src = Dir["src"];
        Dst = Dir["dst"];
        Directory.CreateDirectory(Src);
        Source = new TreeWriter(Src);
    }

    protected TempDir Dir { get; }
    protected string Src { get; }
    protected string Dst { get; }
    protected TreeWriter Source { get; }

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static CliResult Psclone(params string[] args) => Cli.Run(args);

    /// <summary>`psclone clone SRC DST --json ...`; the SafetyNet free-space limit is 0 so that the
    /// default 25 GB does not prune runs on a small test disk (pass --min-free to override).</summary>
    protected CliResult Clone(params string[] options) =>
        Cli.Run(new[] { "clone", Src, Dst, "--json" }.Concat(options.Contains("--min-free") ? options : options.Append("--min-free").Append("0")).ToArray());

    /// <summary>A clone that must succeed (exit 0); returns its JSON summary.</summary>
    protected JsonObject CloneOk(params string[] options)
    {
        var r = Clone(options);
        AssertExit(0, r);
        return Summary(r);
    }

    public static void AssertExit(int expected, CliResult r) =>
        Assert.True(r.ExitCode == expected, $"expected exit code {expected}, got {r}");

    /// <summary>The last JSON line, which must be the run's summary.</summary>
    public static JsonObject Summary(CliResult r)
    {
        var lines = r.Json;
        Assert.True(lines.Count > 0, "no JSON output\n" + r);
        var last = lines[^1];
        Assert.True((string?)last["type"] == "summary", "the last JSON line is not the summary\n" + r);
        Assert.Single(lines, l => (string?)l["type"] == "summary");
        return last;
    }

    /// <summary>A refused run (exit 2): its JSON is exactly one error line with this id, nothing
    /// else on stdout, and the error is on stderr too.</summary>
    public static JsonObject AssertRefused(CliResult r, string errorId)
    {
        AssertExit(2, r);
        var lines = r.Json;
        Assert.True(lines.Count == 1, "a refused run prints only its error\n" + r);
        var error = lines[0];
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal(errorId, (string?)error["errorId"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]), "the error has a message");
        Assert.StartsWith("error: ", r.StdErr);
        return error;
    }

    /// <summary>A command-line usage error (exit 2): a message naming <paramref name="mention"/> on stderr, and
    /// on stdout nothing, or with --json the one error line (id InvalidArguments).</summary>
    public static void AssertUsageError(CliResult r, string mention)
    {
        AssertExit(2, r);
        Assert.Contains(mention, r.StdErr);
        if (r.StdOut.Length == 0) return;
        var error = Assert.Single(r.Json);
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("InvalidArguments", (string?)error["errorId"]);
        Assert.Contains(mention, (string?)error["message"]);
    }

    public static long Long(JsonObject o, string name) => (long)o[name]!;
}
