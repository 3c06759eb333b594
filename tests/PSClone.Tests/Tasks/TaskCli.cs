using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace PSClone.Tests.Tasks;

/// <summary>Runs the built psclone against a task store in a fresh temp folder (PSCLONE_HOME), so
/// no test touches the real user's configuration. The folder is removed afterwards.</summary>
public sealed class TaskCli : IDisposable
{
    public static readonly string Exe = Path.Combine(
        typeof(TaskCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CliDirectory").Value!, "psclone");

    public static readonly string RepoRoot =
        typeof(TaskCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public TaskCli()
    {
        string tmp = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Root = Path.Combine(tmp, "psclone-taskcli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Home = this["home"];
        Environment["PSCLONE_HOME"] = Home;
    }

    public string Root { get; }
    public string Home { get; }

    /// <summary>Extra environment for every run (PATH, XDG_CONFIG_HOME, ...).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public string this[string relative] => Path.Combine(Root, relative);

    public CliResult Run(params string[] args) => RunWithInput(null, args);

    public CliResult RunWithInput(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(Exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Root,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"psclone {string.Join(' ', args)} did not finish in 120 s");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>An executable sh script.</summary>
    public string Script(string relative, string body)
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public string WriteFile(string relative, string content)
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout as JSON lines.</summary>
    public List<JsonObject> Json => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    public List<JsonObject> OfType(string type) => Json.Where(j => (string?)j["type"] == type).ToList();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
