using System.Diagnostics;
using System.Security.Cryptography;
using PSClone.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PSClone.Tests.EndToEnd;

/// <summary>kill -9 of a running `psclone clone` at random moments: no torn file under a real name,
/// ever; the stale lock does not block; the next run converges.</summary>
public sealed class KillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("kill");

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Hashes(string root) => !Directory.Exists(root) ? new() :
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).StartsWith(".psclone", StringComparison.Ordinal)
                && !Path.GetRelativePath(root, f).StartsWith("_PSClone SafetyNet", StringComparison.Ordinal)
                && !Path.GetFileName(f).StartsWith(".psclone-", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Every file under a real name is a whole version: the current source or the one before.</summary>
    private static void AssertWhole(string dst, Dictionary<string, string> now, Dictionary<string, string>? before)
    {
        foreach (var (path, hash) in Hashes(dst))
        {
            bool known = (now.TryGetValue(path, out var a) && a == hash) || (before is not null && before.TryGetValue(path, out var b) && b == hash);
            Assert.True(known, $"'{path}' on the destination is neither the source's version nor the previous one: torn");
        }
    }

    private int KillAt(string src, string dst, int delayMs)
    {
        using var p = Process.Start(Psclone.StartInfo("clone", src, dst, "--min-free", "0", "-q"))!;
        Thread.Sleep(delayMs);
        bool killed = !p.HasExited;
        if (killed) p.Kill();
        p.WaitForExit();
        return killed ? -9 : p.ExitCode;
    }

    [Fact]
    public void KilledAtRandomMoments_NeverLeavesATornFile_AndTheNextRunConverges()
    {
        string src = _dir["src"], dst = _dir["dst"];
        var tree = new TreeBuilder(src);
        var rng = new Random(42);
        for (int i = 0; i < 12; i++)
        {
            var big = new byte[12 << 20];
            rng.NextBytes(big);
            tree.File($"big/{i:00}.bin", big);
        }
        for (int i = 0; i < 600; i++) tree.File($"small/{i % 20}/{i}.txt", $"small file {i} " + new string('x', i));
        var v1 = Hashes(src);

        int kills = 0;
        foreach (int delay in new[] { 30, 80, 120, 160, 220, 300, 400, 550 })
        {
            int code = KillAt(src, dst, delay + rng.Next(40));
            if (code == -9) kills++;
            else Assert.Equal(0, code);
            AssertWhole(dst, v1, null);
        }
        output.WriteLine($"initial clone: {kills} kills");

        // Change a third of the big files and some small ones, then kill the update too.
        for (int i = 0; i < 12; i += 3)
        {
            var big = new byte[12 << 20];
            rng.NextBytes(big);
            tree.File($"big/{i:00}.bin", big);
        }
        for (int i = 0; i < 600; i += 7) tree.File($"small/{i % 20}/{i}.txt", $"changed {i}");
        var v2 = Hashes(src);
        foreach (int delay in new[] { 40, 100, 180, 260, 380 })
        {
            if (KillAt(src, dst, delay + rng.Next(40)) == -9) kills++;
            AssertWhole(dst, v2, v1);
        }
        output.WriteLine($"total: {kills} kills");
        Assert.True(kills >= 4, $"only {kills} runs were still going when killed: the test did not test much");

        var final = Psclone.Run("clone", src, dst, "--min-free", "0", "-q");
        Assert.True(final.ExitCode == 0, final.StdErr);
        var verify = Psclone.Run("verify", src, dst, "--checksum");
        Assert.True(verify.ExitCode == 0, verify.StdOut + verify.StdErr);
        Assert.Empty(Directory.EnumerateFiles(dst, ".psclone-*.tmp", SearchOption.AllDirectories));
    }
}
