using System.Text;

namespace PSClone.Tests.Support;

/// <summary>Writes small test trees with exact content, modes and whole-second modification times
/// (so a test can put a file's old time back exactly with .NET's 100 ns timestamps).</summary>
public sealed class TreeWriter(string root)
{
    private static long _clock = 1_600_000_000;

    public string Root { get; } = root;

    public string Full(string relative) => Path.Combine(Root, relative);

    public static DateTime NextTime() => DateTime.UnixEpoch.AddSeconds(Interlocked.Add(ref _clock, 7));

    public TreeWriter File(string relative, string content, UnixFileMode? mode = null) =>
        File(relative, Encoding.UTF8.GetBytes(content), mode);

    public TreeWriter File(string relative, byte[] content, UnixFileMode? mode = null)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, content);
        System.IO.File.SetLastWriteTimeUtc(path, NextTime());
        if (mode is { } m) System.IO.File.SetUnixFileMode(path, m);
        return this;
    }

    public TreeWriter Dir(string relative)
    {
        Directory.CreateDirectory(Full(relative));
        return this;
    }

    public TreeWriter Delete(string relative)
    {
        string path = Full(relative);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else System.IO.File.Delete(path);
        return this;
    }

    /// <summary>Replaces a file's content and gives it a new, later modification time.</summary>
    public TreeWriter Change(string relative, string content)
    {
        string path = Full(relative);
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetLastWriteTimeUtc(path, NextTime());
        return this;
    }

    /// <summary>Replaces a file's content with as many bytes, and puts its old modification time back:
    /// invisible to a size-and-time comparison.</summary>
    public TreeWriter ChangeKeepingSizeAndTime(string relative, string content)
    {
        string path = Full(relative);
        var old = new FileInfo(path);
        if (Encoding.UTF8.GetByteCount(content) != old.Length)
            throw new ArgumentException($"'{content}' is not {old.Length} bytes long.", nameof(content));
        DateTime time = old.LastWriteTimeUtc;
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetLastWriteTimeUtc(path, time);
        return this;
    }

    public static string Read(string path) => System.IO.File.ReadAllText(path);
}
