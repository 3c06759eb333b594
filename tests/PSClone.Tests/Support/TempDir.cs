using System.Diagnostics;

namespace PSClone.Tests.Support;

/// <summary>A fresh folder for one test, on a tmpfs when there is one (file-heavy tests run much
/// faster there than on the machines' journal-less root file system); deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    private static readonly string Base = ChooseBase();

    public TempDir(string? name = null)
    {
        Path = System.IO.Path.Combine(Base, (name ?? "t") + "-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    private static string ChooseBase()
    {
        string? overridden = Environment.GetEnvironmentVariable("PSCLONE_TEST_DIR");
        string root = overridden
            ?? (Directory.Exists("/dev/shm") && IsWritable("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath());
        string dir = System.IO.Path.Combine(root, $"psclone-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ForceDelete(dir);
        return dir;
    }

    private static bool IsWritable(string dir)
    {
        try
        {
            string probe = System.IO.Path.Combine(dir, ".psclone-probe-" + Environment.ProcessId);
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose() => ForceDelete(Path);

    /// <summary>rm -rf that also gets through read-only folders.</summary>
    public static void ForceDelete(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) return;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("rm", new[] { "-rf", "--", path }) { RedirectStandardError = true })!;
            p.WaitForExit();
            if (p.ExitCode == 0) return;
            using var chmod = Process.Start(new ProcessStartInfo("chmod", new[] { "-R", "u+rwx", "--", path }) { RedirectStandardError = true })!;
            chmod.WaitForExit();
            using var again = Process.Start(new ProcessStartInfo("rm", new[] { "-rf", "--", path }) { RedirectStandardError = true })!;
            again.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
