using System.Diagnostics;
using PSClone.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PSClone.Tests.Images;

/// <summary>The same tree backed up and restored by restic and by PSClone: the two restores must
/// match (in everything restic keeps), and PSClone's must match the source exactly.</summary>
public sealed class ResticDifferentialTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("restic");

    public void Dispose() => _dir.Dispose();

    private static bool HaveRestic()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("restic", "version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static void Restic(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("restic") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["RESTIC_PASSWORD"] = "differential test";
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"restic {string.Join(' ', args)}: {err}");
    }

    [Fact]
    public void PSCloneAndRestic_RestoreTheSameTree()
    {
        if (!HaveRestic())
        {
            output.WriteLine("SKIPPED: restic is not installed.");
            return;
        }
        string src = _dir["src"];
        var tree = TreeBuilder.Sample(src);
        var random = new Random(11);
        for (int i = 0; i < 10; i++)
        {
            var bytes = new byte[random.Next(0, 200_000)];
            random.NextBytes(bytes);
            tree.File($"data/{i % 3}/blob {i}.bin", bytes);
        }
        tree.Stamp("data/0").Stamp("data/1").Stamp("data/2").Stamp("data");

        Restic(_dir.Path, "-r", _dir["repo"], "init", "-q");
        Restic(src, "-r", _dir["repo"], "backup", "-q", src);
        Restic(_dir.Path, "-r", _dir["repo"], "restore", "latest", "--target", _dir["theirs"], "-q");
        string image = _dir["img.psimgbundle"];
        ImageKit.Create(image, ImageLayout.Bundle, ImageEncryption.Aes256);
        ImageKit.Backup(src, image, ImageEncryption.Aes256);
        ImageKit.Restore(image, _dir["ours"], encryption: ImageEncryption.Aes256);

        var source = TreeState.Read(src);
        var ours = TreeState.Read(_dir["ours"]);
        var theirs = TreeState.Read(Path.Combine(_dir["theirs"], src.TrimStart('/')));
        Assert.Equal("", TreeState.Diff(source, ours));
        // restic 0.14 restores holes as zeros (no --sparse yet); everything else must be the same.
        string diff = TreeState.Diff(theirs, ours, withSparse: false);
        output.WriteLine(diff.Length == 0 ? "restic's restore and PSClone's are identical (holes aside)" : diff);
        Assert.Equal("", diff);
        Assert.True(ours.Items["sparse.bin"].Sparse);
    }
}
