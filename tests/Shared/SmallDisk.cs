using System.Diagnostics;
using Xunit;

namespace PSClone.Tests.Support;

/// <summary>A [Fact] that runs only as root (it mounts file systems); elsewhere it is skipped, saying why.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Native.IsRoot) Skip = "needs root: mounts a small tmpfs to fill it up";
    }
}

/// <summary>A tmpfs of a given size, mounted for one test: a real disk that really fills up.</summary>
public sealed class SmallDisk : IDisposable
{
    public SmallDisk(string path, int megabytes)
    {
        Path = path;
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
    }

    public string Path { get; }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose() => Run("umount", "-l", Path);

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err}");
    }
}
