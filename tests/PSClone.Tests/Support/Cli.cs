using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PSClone.Tests.Support;

/// <summary>How to run the CLI: extra environment, what stdin holds, as which user, how long to wait.</summary>
public sealed record CliOptions
{
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Text for stdin; null closes stdin at once (an unattended run must never wait for input).</summary>
    public string? StandardInput { get; init; }

    /// <summary>Run as nobody (uid/gid 65534, no groups) through setpriv; needs root.</summary>
    public bool AsNobody { get; init; }

    public string? WorkingDirectory { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What one run of the CLI did.</summary>
public sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>stdout as JSON lines; fails the test unless every line is a JSON object with a
    /// string "type" and camelCase property names throughout.</summary>
    public IReadOnlyList<JsonObject> Json => JsonLines.Parse(StdOut);

    public string[] StdOutLines => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The lines of one "type".</summary>
    public IReadOnlyList<JsonObject> OfType(string type) => Json.Where(o => (string?)o["type"] == type).ToList();

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs the `psclone` apphost built next to these tests (AssemblyMetadata "CliDirectory").</summary>
public static class Cli
{
    public static string Directory { get; } = typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CliDirectory").Value!;

    public static string AppHost { get; } = Path.Combine(Directory, "psclone");

    public static string RepoRoot { get; } = typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    public static CliResult Run(params string[] args) => Run(new CliOptions(), args);

    /// <summary>Runs with extra environment variables (a passphrase, say).</summary>
    public static CliResult Run(IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        Run(new CliOptions { Environment = environment ?? new Dictionary<string, string?>(), Timeout = TimeSpan.FromMinutes(3) }, args);

    /// <summary>Starts psclone and kills it (SIGKILL: no handler, no clean-up) after <paramref name="delay"/>;
    /// true when it was killed before it finished.</summary>
    public static bool RunAndKill(IReadOnlyDictionary<string, string?>? environment, TimeSpan delay, params string[] args)
    {
        using var process = Start(new CliOptions { Environment = environment ?? new Dictionary<string, string?>() }, args);
        Thread.Sleep(delay);
        if (process.HasExited) return false;
        process.Signal(Native.SigKill);
        return true;
    }

    public static CliResult Run(CliOptions options, params string[] args)
    {
        using var process = Start(options, args);
        return process.WaitForExit(options.Timeout);
    }

    public static CliProcess Start(CliOptions options, params string[] args)
    {
        if (!File.Exists(AppHost)) throw new FileNotFoundException($"The CLI apphost is not built at '{AppHost}'.", AppHost);
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = options.WorkingDirectory ?? "",
        };
        if (options.AsNobody)
        {
            info.FileName = "setpriv";
            foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", AppHost }) info.ArgumentList.Add(a);
        }
        else
        {
            info.FileName = AppHost;
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        // A passphrase in the test runner's environment must never leak into a test.
        info.Environment.Remove("PSCLONE_PASSPHRASE");
        info.Environment.Remove("PSCLONE_NEW_PASSPHRASE");
        foreach (var (key, value) in options.Environment) info.Environment[key] = value;
        return new CliProcess(Process.Start(info)!, options.StandardInput);
    }

    /// <summary>Whether setpriv can drop to an unprivileged user here (root and setpriv on PATH).</summary>
    public static string? WhyNoUnprivilegedRun()
    {
        if (!Environment.IsPrivilegedProcess) return "needs root to run the CLI as an unprivileged user (setpriv)";
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "setpriv")));
        return found ? null : "setpriv (util-linux) is not on PATH";
    }
}

/// <summary>A running CLI: its output is collected as it comes; signals can be sent to it.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    internal CliProcess(Process process, string? stdin)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process exited before reading stdin; its exit code tells the rest.
        }
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public void Signal(int signal) => Native.Signal(_process.Id, signal);

    public CliResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            throw new TimeoutException($"psclone did not finish within {timeout.TotalSeconds:0} s and was killed.\n" +
                new CliResult(-1, _stdout.Result, _stderr.Result));
        }
        _process.WaitForExit(); // flushes the output readers
        return new CliResult(_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

/// <summary>The `--json` contract: one JSON object per line, a string "type", camelCase names.</summary>
public static class JsonLines
{
    public static IReadOnlyList<JsonObject> Parse(string stdout)
    {
        var lines = stdout.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        var result = new List<JsonObject>();
        for (int i = 0; i < lines.Length; i++)
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(lines[i]);
            }
            catch (JsonException ex)
            {
                throw new Xunit.Sdk.XunitException($"stdout line {i + 1} is not JSON ({ex.Message}): {lines[i]}");
            }
            if (node is not JsonObject obj) throw new Xunit.Sdk.XunitException($"stdout line {i + 1} is not a JSON object: {lines[i]}");
            if (obj["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String || ((string)type!).Length == 0)
                throw new Xunit.Sdk.XunitException($"stdout line {i + 1} has no string \"type\": {lines[i]}");
            string? bad = FirstNonCamelCaseName(obj);
            if (bad is not null) throw new Xunit.Sdk.XunitException($"stdout line {i + 1} has the property name '{bad}', which is not camelCase: {lines[i]}");
            result.Add(obj);
        }
        return result;
    }

    private static string? FirstNonCamelCaseName(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (!IsCamelCase(name)) return name;
                    if (FirstNonCamelCaseName(value) is { } inner) return inner;
                }
                return null;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (FirstNonCamelCaseName(item) is { } inner) return inner;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool IsCamelCase(string name) =>
        name.Length > 0 && char.IsAsciiLetterLower(name[0]) && name.All(char.IsAsciiLetterOrDigit);
}
