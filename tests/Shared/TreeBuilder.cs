using System.Text;

namespace PSClone.Tests.Support;

/// <summary>Builds a test tree with exact content and metadata.</summary>
public sealed class TreeBuilder(string root)
{
    private static long _clock = 1_600_000_000_123_456_789L;

    public string Root { get; } = root;

    public string Full(string relative) => Path.Combine(Root, relative);

    /// <summary>A file with the given text, a distinct nanosecond mtime, and optional mode.</summary>
    public TreeBuilder File(string relative, string content, UnixFileMode? mode = null, long? mtimeNs = null) =>
        File(relative, Encoding.UTF8.GetBytes(content), mode, mtimeNs);

    public TreeBuilder File(string relative, byte[] content, UnixFileMode? mode = null, long? mtimeNs = null)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, content);
        if (mode is { } m) System.IO.File.SetUnixFileMode(path, m);
        Native.SetMTime(path, mtimeNs ?? NextTime());
        return this;
    }

    public TreeBuilder Dir(string relative, UnixFileMode? mode = null)
    {
        string path = Full(relative);
        Directory.CreateDirectory(path);
        if (mode is { } m) System.IO.File.SetUnixFileMode(path, m);
        return this;
    }

    public TreeBuilder Symlink(string relative, string target)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        Native.SetMTime(path, NextTime());
        return this;
    }

    public TreeBuilder HardLink(string relative, string existingRelative)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Native.HardLink(Full(existingRelative), path);
        return this;
    }

    public TreeBuilder Xattr(string relative, string name, string value)
    {
        Native.SetXattr(Full(relative), name, value);
        return this;
    }

    public TreeBuilder Fifo(string relative)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Native.MakeFifo(path);
        return this;
    }

    /// <summary>A sparse file: data at the start and the end, a hole of <paramref name="holeBytes"/> between.</summary>
    public TreeBuilder Sparse(string relative, long holeBytes)
    {
        string path = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var fs = new FileStream(path, FileMode.Create))
        {
            fs.Write(Encoding.UTF8.GetBytes("start"));
            fs.Seek(holeBytes, SeekOrigin.Current);
            fs.Write(Encoding.UTF8.GetBytes("end"));
        }
        Native.SetMTime(path, NextTime());
        return this;
    }

    /// <summary>Stamps a folder's time (after its children were made).</summary>
    public TreeBuilder Stamp(string relative, long? mtimeNs = null)
    {
        Native.SetMTime(Full(relative), mtimeNs ?? NextTime());
        return this;
    }

    public TreeBuilder Delete(string relative)
    {
        string path = Full(relative);
        if (Directory.Exists(path) && (new DirectoryInfo(path).LinkTarget is null)) Directory.Delete(path, true);
        else System.IO.File.Delete(path);
        return this;
    }

    public static long NextTime() => Interlocked.Add(ref _clock, 1_000_000_007L);

    /// <summary>A tree with one of everything a clone must keep.</summary>
    public static TreeBuilder Sample(string root)
    {
        var b = new TreeBuilder(root);
        b.File("a.txt", "alpha")
            .File("empty.txt", "")
            .File("docs/report.docx", "report v1", UnixFileMode.UserRead | UnixFileMode.UserWrite)
            .File("docs/deep/er/notes.md", "# notes")
            .File("bin/tool", "#!/bin/sh\necho hi\n", (UnixFileMode)0x1ED)
            .File("Données/résumé café.txt", "unicode")
            .File("-leading dash", "dash")
            .File("spaces  in name.log", "spaces")
            .Dir("emptydir")
            .Symlink("link-to-a", "a.txt")
            .Symlink("docs/dangling", "../nowhere/at/all")
            .Symlink("link-to-dir", "docs")
            .HardLink("docs/a-hardlink", "a.txt")
            .Sparse("sparse.bin", 8 << 20)
            .Xattr("a.txt", "user.color", "blue")
            .Xattr("docs", "user.kind", "folder");
        b.Stamp("docs/deep/er").Stamp("docs/deep").Stamp("docs").Stamp("Données").Stamp("bin").Stamp("emptydir");
        return b;
    }
}
