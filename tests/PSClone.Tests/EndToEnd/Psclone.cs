using System.Diagnostics;
using System.Reflection;

namespace PSClone.Tests.EndToEnd;

/// <summary>Runs the built `psclone` apphost as a real process.</summary>
public static class Psclone
{
    public static string Directory { get; } = Metadata("CliDirectory");
    public static string RepoRoot { get; } = Metadata("RepoRoot");
    public static string Executable => Path.Combine(Directory, OperatingSystem.IsWindows() ? "psclone.exe" : "psclone");

    private static string Metadata(string key) =>
        typeof(Psclone).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    public static Result Run(params string[] args) => Run(StartInfo(args), TimeSpan.FromMinutes(2));

    public static Result Run(ProcessStartInfo info, TimeSpan timeout)
    {
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"psclone {string.Join(' ', info.ArgumentList)} did not finish in {timeout}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command line tool (rsync, python3, cp) and fails loudly when it fails.</summary>
    public static string Tool(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err}");
        return stdout.Result;
    }
}
