using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace PSClone.Tests.Support;

/// <summary>Runs the built `psclone` apphost as a real process.</summary>
public static class Cli
{
    public static string Path => System.IO.Path.Combine(
        typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliDirectory").Value!, "psclone");

    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Out}\nstderr: {Err}";
    }

    public static ProcessStartInfo Info(IDictionary<string, string?>? env, params string[] args)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("PSCLONE_PASSPHRASE");
        info.Environment.Remove("PSCLONE_NEW_PASSPHRASE");
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        return info;
    }

    public static Result Run(IDictionary<string, string?>? env, params string[] args)
    {
        using var p = Process.Start(Info(env, args))!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"psclone {string.Join(' ', args)} did not finish in 3 minutes.");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => Run(null, args);

    /// <summary>Starts psclone and kills it (SIGKILL) after <paramref name="delay"/>; true when it was killed before it finished.</summary>
    public static bool RunAndKill(IDictionary<string, string?>? env, TimeSpan delay, params string[] args)
    {
        using var p = Process.Start(Info(env, args))!;
        p.StandardInput.Close();
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        if (p.WaitForExit(delay)) return false;
        p.Kill(); // SIGKILL: no handler, no clean-up
        p.WaitForExit();
        return true;
    }
}

/// <summary>A temp folder on tmpfs when there is one, removed afterwards.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TempFolder : IDisposable
{
    public TempFolder(string name)
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, $"psclone-cli-{name}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            foreach (var f in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories))
                File.SetUnixFileMode(f, File.GetUnixFileMode(f) | UnixFileMode.UserWrite | UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>What a restore must reproduce, read with .NET's own APIs (the engine tests check every detail).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class Tree
{
    public static SortedDictionary<string, string> Read(string root)
    {
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string rel = System.IO.Path.GetRelativePath(root, path);
            var info = new FileInfo(path);
            string text = info.LinkTarget is { } target ? "link " + target
                : Directory.Exists(path) ? $"dir {File.GetUnixFileMode(path)}"
                : $"file {info.Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16]} {File.GetUnixFileMode(path)} {info.LastWriteTimeUtc.Ticks}";
            items[rel] = text;
        }
        return items;
    }

    public static string Diff(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in expected)
        {
            if (!actual.TryGetValue(k, out var a)) sb.AppendLine("missing " + k);
            else if (a != v) sb.AppendLine($"differs {k}: want {v}, got {a}");
        }
        foreach (var k in actual.Keys.Where(k => !expected.ContainsKey(k))) sb.AppendLine("extra " + k);
        return sb.ToString();
    }

    /// <summary>Changes a few files and adds one, with random content.</summary>
    public static void Mutate(string root, Random random, int files, int size)
    {
        for (int i = 0; i < files; i++)
        {
            string path = System.IO.Path.Combine(root, $"d{random.Next(4)}", $"f{random.Next(files * 3)}.bin");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var bytes = new byte[random.Next(size / 2, size)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }
    }
}
