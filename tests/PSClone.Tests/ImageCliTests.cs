using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using PSClone.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PSClone.Tests;

/// <summary>`psclone image ...` and `psclone clone SOURCE IMAGE` as real processes: the exact forms
/// scripts rely on, exit codes, error ids, and kill -9 at random moments.</summary>
[SupportedOSPlatform("linux")]
public sealed class ImageCliTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "a passphrase for the tests";
    private readonly TempDir _dir = new("img");
    private static readonly Dictionary<string, string?> Env = new() { ["PSCLONE_PASSPHRASE"] = Secret };

    public void Dispose() => _dir.Dispose();

    private static CliResult Ok(CliResult r, int exit = 0)
    {
        Assert.True(r.ExitCode == exit, r.ToString());
        return r;
    }

    private static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string ErrorId(CliResult r) =>
        Lines(r.StdOut).Where(l => l.GetProperty("type").GetString() == "error").Select(l => l.GetProperty("errorId").GetString()!).FirstOrDefault() ?? "(none) " + r;

    private void MakeSource(string root, int seed, int files = 30, int size = 60_000)
    {
        Mutate(root, new Random(seed), files, size);
        File.WriteAllText(Path.Combine(root, "note.txt"), "stable text");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "note.txt");
    }

    [Fact]
    public void ImageVerbs_WorkEndToEnd_WithTheDocumentedForms()
    {
        string src = _dir["src"], image = _dir["b.psimgbundle"];
        MakeSource(src, 1);
        Ok(Cli.Run(Env, "image", "new", image, "--layout", "bundle", "--encryption", "aes256", "--kdf-iterations", "2000", "--chunk-size", "16KB", "--pack-size", "256KB"));
        Assert.True(File.Exists(Path.Combine(image, "psimg")));
        var first = TreeState.Read(src);
        var clone = Lines(Ok(Cli.Run(Env, "clone", src, image, "--json")).StdOut);
        string firstId = clone.Last().GetProperty("snapshotId").GetString()!;
        Mutate(src, new Random(2), 5, 30_000);
        var second = TreeState.Read(src);
        Ok(Cli.Run(Env, "clone", src, image, "-q"));

        var snapshots = Lines(Ok(Cli.Run(Env, "image", "snapshots", image, "--json")).StdOut);
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, s => Assert.Equal("snapshot", s.GetProperty("type").GetString()));
        Assert.Equal(firstId, snapshots[0].GetProperty("id").GetString());
        string secondId = snapshots[1].GetProperty("id").GetString()!;

        var entries = Lines(Ok(Cli.Run(Env, "image", "ls", image, "--snapshot", firstId[..6], "--json", "--recurse")).StdOut);
        Assert.Equal(first.Items.Keys.OrderBy(k => k, StringComparer.Ordinal), entries.Select(e => e.GetProperty("path").GetString()!).OrderBy(k => k, StringComparer.Ordinal));
        var one = Lines(Ok(Cli.Run(Env, "image", "ls", image, "note.txt", "--json")).StdOut);
        Assert.Equal("-rw-r--r--", one.Single().GetProperty("mode").GetString());

        Ok(Cli.Run(Env, "image", "restore", image, _dir["r1"], "--snapshot", firstId));
        Assert.Equal("", TreeState.Diff(first, TreeState.Read(_dir["r1"])));
        Ok(Cli.Run(Env, "image", "restore", image, _dir["r2"], "--snapshot", "latest"));
        Assert.Equal("", TreeState.Diff(second, TreeState.Read(_dir["r2"])));
        Ok(Cli.Run(Env, "image", "restore", image, _dir["r3"], "--path", "d1"));
        Assert.All(TreeState.Read(_dir["r3"]).Items.Keys, k => Assert.StartsWith("d1", k, StringComparison.Ordinal));
        // Restoring over existing items is refused per item unless --force.
        Assert.Equal(1, Cli.Run(Env, "image", "restore", image, _dir["r2"]).ExitCode);
        Ok(Cli.Run(Env, "image", "restore", image, _dir["r2"], "--force"));

        Ok(Cli.Run(Env, "image", "verify", image, "--read-data"));
        string sealedImage = _dir["sealed.psimg"];
        Ok(Cli.Run(Env, "image", "compress", image, sealedImage));
        var verified = Lines(Ok(Cli.Run(Env, "image", "verify", sealedImage, "--json")).StdOut);
        Assert.True(verified.Last().GetProperty("sealChecked").GetBoolean());

        Ok(Cli.Run(Env, "image", "forget", image, "--keep-last", "1"));
        Assert.Equal(secondId, Lines(Ok(Cli.Run(Env, "image", "snapshots", image, "--json")).StdOut).Single().GetProperty("id").GetString());
        Ok(Cli.Run(Env, "image", "compact", image));
        Ok(Cli.Run(Env, "image", "resize", image, "--capacity", "1GB"));
        var info = Lines(Ok(Cli.Run(Env, "image", "info", image, "--json")).StdOut).Single();
        Assert.Equal(1L << 30, info.GetProperty("capacity").GetInt64());

        var newEnv = new Dictionary<string, string?>(Env) { ["PSCLONE_NEW_PASSPHRASE"] = "the next passphrase" };
        Ok(Cli.Run(newEnv, "image", "passwd", image));
        Assert.Equal("WrongPassphrase", ErrorId(Ok(Cli.Run(Env, "image", "snapshots", image, "--json"), 2)));
        Ok(Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = "the next passphrase" }, "image", "snapshots", image));
    }

    /// <summary>A process that has the system's libzstd and one that does not (PSCLONE_ZSTD=managed)
    /// back up into the same image, and each restores and verifies what the other wrote.</summary>
    [Fact]
    public void ImagesWrittenWithAndWithoutTheSystemZstd_ReadTheSame()
    {
        string src = _dir["src"], image = _dir["z.psimg"];
        var managed = new Dictionary<string, string?>(Env) { ["PSCLONE_ZSTD"] = "managed" };
        var system = new Dictionary<string, string?>(Env) { ["PSCLONE_ZSTD"] = null };
        // Compressible files, small and large: zstd takes every data record of 64 bytes and more.
        void Write(Random rng, int files)
        {
            string[] words = { "alpha ", "beta ", "gamma ", "restore ", "chunk\n" };
            for (int i = 0; i < files; i++)
            {
                string path = Path.Combine(src, $"d{rng.Next(3)}", $"f{rng.Next(files * 2)}.txt");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, string.Concat(Enumerable.Range(0, rng.Next(10, 40_000)).Select(_ => words[rng.Next(words.Length)])));
            }
        }
        Write(new Random(11), 20);
        Ok(Cli.Run(managed, "image", "new", image, "--kdf-iterations", "2000", "--encryption", "aes128"));
        Ok(Cli.Run(managed, "clone", src, image, "-q"));
        var first = TreeState.Read(src);
        Write(new Random(12), 10);
        Ok(Cli.Run(system, "clone", src, image, "-q"));
        var second = TreeState.Read(src);
        foreach (var (env, name) in new[] { (system, "system"), (managed, "managed") })
        {
            Ok(Cli.Run(env, "image", "verify", image, "--read-data"));
            var ids = Lines(Ok(Cli.Run(env, "image", "snapshots", image, "--json")).StdOut).Select(s => s.GetProperty("id").GetString()!).ToList();
            Ok(Cli.Run(env, "image", "restore", image, _dir[name + "1"], "--snapshot", ids[0]));
            Ok(Cli.Run(env, "image", "restore", image, _dir[name + "2"], "--snapshot", ids[1]));
            Assert.Equal("", TreeState.Diff(first, TreeState.Read(_dir[name + "1"])));
            Assert.Equal("", TreeState.Diff(second, TreeState.Read(_dir[name + "2"])));
        }
    }

    [Fact]
    public void BadInput_ExitsTwo_WithAStableErrorId()
    {
        string src = _dir["src"], image = _dir["i.psimg"];
        MakeSource(src, 3, files: 4, size: 1000);
        Ok(Cli.Run(Env, "image", "new", image, "--encryption", "aes128", "--kdf-iterations", "2000", "--capacity", "2MB"));
        Assert.Equal("PassphraseRequired", ErrorId(Ok(Cli.Run("image", "snapshots", image, "--json"), 2)));
        Assert.Equal("WrongPassphrase", ErrorId(Ok(Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = "wrong wrong" }, "image", "ls", image, "--json"), 2)));
        Assert.Equal("ImageExists", ErrorId(Ok(Cli.Run(Env, "image", "new", image, "--json"), 2)));
        File.WriteAllText(_dir["foreign.psimg"], "not an image");
        Assert.Equal("NotAnImage", ErrorId(Ok(Cli.Run("image", "verify", _dir["foreign.psimg"], "--json"), 2)));
        Assert.Equal("ImageNotFound", ErrorId(Ok(Cli.Run("clone", src, _dir["missing.psimg"], "--json"), 2)));

        // Full capacity: nothing is added, exit 2, the image stays intact.
        var big = new byte[4 << 20];
        new Random(1).NextBytes(big);
        File.WriteAllBytes(Path.Combine(src, "big.bin"), big);
        Assert.Equal("ImageFull", ErrorId(Ok(Cli.Run(Env, "clone", src, image, "--json"), 2)));
        Assert.Empty(Lines(Ok(Cli.Run(Env, "image", "snapshots", image, "--json")).StdOut));
        Ok(Cli.Run(Env, "image", "verify", image, "--read-data"));

        // A sealed image refuses writes.
        File.Delete(Path.Combine(src, "big.bin"));
        Ok(Cli.Run(Env, "clone", src, image));
        Ok(Cli.Run(Env, "image", "compress", image, _dir["s.psimg"]));
        Assert.Equal("ImageSealed", ErrorId(Ok(Cli.Run(Env, "clone", src, _dir["s.psimg"], "--json"), 2)));

        // A newer format version is refused.
        var bytes = File.ReadAllBytes(image);
        for (int slot = 0; slot < 2; slot++)
        {
            var head = bytes.AsSpan(slot * 4096, 4096);
            head[8] = 9;
            System.Security.Cryptography.SHA256.HashData(head[..4064], head[4064..]);
        }
        File.WriteAllBytes(image, bytes);
        Assert.Equal("ImageVersionTooNew", ErrorId(Ok(Cli.Run(Env, "image", "snapshots", image, "--json"), 2)));
        Assert.Contains("9.0", Cli.Run(Env, "image", "snapshots", image).StdErr, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("image", "forget", image).ExitCode); // needs --snapshot or a policy
    }

    [Fact]
    public void Verify_ExitsOne_AndNamesTheDamagedFiles()
    {
        string src = _dir["src"], image = _dir["i.psimg"];
        Directory.CreateDirectory(src);
        var random = new Random(4);
        for (int i = 0; i < 4; i++)
        {
            var data = new byte[100_000];
            random.NextBytes(data);
            File.WriteAllBytes(Path.Combine(src, $"file{i}.bin"), data);
        }
        Ok(Cli.Run("image", "new", image, "--chunk-size", "16KB", "--pack-size", "64KB"));
        Ok(Cli.Run("clone", src, image));
        // Damage a byte in the middle of the first data pack (right after the heads).
        using (var fs = new FileStream(image, FileMode.Open))
        {
            fs.Position = 8192 + 20_000;
            int b = fs.ReadByte();
            fs.Position = 8192 + 20_000;
            fs.WriteByte((byte)~b);
        }
        var result = Ok(Cli.Run("image", "verify", image, "--read-data", "--json"), 1);
        var findings = Lines(result.StdOut).Where(l => l.GetProperty("type").GetString() == "finding").ToList();
        var damaged = findings.Where(f => f.GetProperty("problem").GetString() == "FileDamaged").Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Single(damaged);
        Assert.Contains(findings, f => f.GetProperty("problem").GetString() == "ChunkDamaged");
        var human = Ok(Cli.Run("image", "verify", image, "--read-data"), 1);
        Assert.Contains(damaged[0]!, human.StdOut, StringComparison.Ordinal);
        // The other files restore; the damaged one fails alone (exit 1).
        Assert.Equal(1, Cli.Run("image", "restore", image, _dir["out"]).ExitCode);
        Assert.Equal(3, Directory.GetFiles(_dir["out"]).Length);
        Assert.Equal(4, Lines(Ok(Cli.Run("image", "verify", image, "--json"), 0).StdOut).Last().GetProperty("packsChecked").GetInt32() > 0 ? 4 : 0);
    }

    /// <summary>How long a command takes, to spread kills over its whole run.</summary>
    private static TimeSpan Measure(Func<CliResult> run)
    {
        var clock = Stopwatch.StartNew();
        Ok(run());
        return clock.Elapsed;
    }

    /// <summary>The image opens and verifies, and its newest snapshots (and one older one) restore to
    /// a state the source was in.</summary>
    private void CheckImage(string image, Dictionary<string, TreeState> states, IReadOnlyDictionary<string, string?>? env = null)
    {
        env ??= Env;
        Ok(Cli.Run(env, "image", "verify", image, "--read-data"));
        var ids = Lines(Ok(Cli.Run(env, "image", "snapshots", image, "--json")).StdOut).Select(s => s.GetProperty("id").GetString()!).ToList();
        foreach (var id in ids.TakeLast(2).Concat(ids.Count > 2 ? new[] { ids[Random.Shared.Next(ids.Count - 2)] } : Array.Empty<string>()))
        {
            string target = _dir["check-" + Guid.NewGuid().ToString("N")[..8]];
            Ok(Cli.Run(env, "image", "restore", image, target, "--snapshot", id));
            var restored = TreeState.Read(target);
            Assert.True(states.Values.Any(state => TreeState.Diff(state, restored) == ""), $"snapshot {id} matches no state the source was in");
            Directory.Delete(target, true);
        }
    }

    [Theory]
    [InlineData("file")]
    [InlineData("bundle")]
    public void KillDuringBackup_LeavesCommittedSnapshotsIntact_AndTheNextRunCompletes(string layout)
    {
        string src = _dir["src"], image = _dir[layout == "bundle" ? "k.psimgbundle" : "k.psimg"];
        var random = new Random(layout.Length);
        MakeSource(src, 5, files: 20, size: 300_000);
        Ok(Cli.Run(Env, "image", "new", image, "--layout", layout, "--encryption", "aes256", "--kdf-iterations", "2000", "--chunk-size", "64KB", "--pack-size", "1MB"));
        var states = new Dictionary<string, TreeState>();
        Ok(Cli.Run(Env, "clone", src, image));
        states["0"] = TreeState.Read(src);
        // How long an incremental backup of one round's changes takes, to spread the kills over it.
        Mutate(src, random, 16, 600_000);
        var duration = Measure(() => Cli.Run(Env, "clone", src, image));
        states["1"] = TreeState.Read(src);
        int killed = 0;
        for (int round = 2; round <= 5; round++)
        {
            Mutate(src, random, 16, 600_000);
            states[round.ToString()] = TreeState.Read(src);
            var delay = TimeSpan.FromMilliseconds(random.Next(10, (int)Math.Max(40, duration.TotalMilliseconds)));
            if (Cli.RunAndKill(Env, delay, "clone", src, image)) killed++;
            CheckImage(image, states);
        }
        output.WriteLine($"{killed} of 4 backups killed part way (an incremental backup takes {duration.TotalMilliseconds:0} ms)");
        Assert.True(killed >= 1, "the kills should land during the backups");
        Ok(Cli.Run(Env, "clone", src, image));
        var latest = Lines(Ok(Cli.Run(Env, "image", "snapshots", image, "--json")).StdOut).Last().GetProperty("id").GetString()!;
        Ok(Cli.Run(Env, "image", "restore", image, _dir["final"], "--snapshot", latest));
        Assert.Equal("", TreeState.Diff(TreeState.Read(src), TreeState.Read(_dir["final"])));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("bundle")]
    public void KillDuringCompaction_LeavesTheOldOrTheNewState(string layout)
    {
        string src = _dir["src"], image = _dir[layout == "bundle" ? "c.psimgbundle" : "c.psimg"];
        var random = new Random(10 + layout.Length);
        MakeSource(src, 6, files: 20, size: 300_000);
        Ok(Cli.Run(Env, "image", "new", image, "--layout", layout, "--encryption", "aes128", "--kdf-iterations", "2000", "--chunk-size", "32KB", "--pack-size", "512KB"));
        var states = new Dictionary<string, TreeState>();
        int killed = 0;
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 2; i++)
            {
                Mutate(src, random, 10, 400_000);
                Ok(Cli.Run(Env, "clone", src, image));
                states[$"{round}.{i}"] = TreeState.Read(src);
            }
            // forget garbage-collects; compact then moves packs and truncates: kill either part way.
            bool compact = round % 2 == 1;
            var delay = TimeSpan.FromMilliseconds(random.Next(20, compact ? 500 : 700));
            if (Cli.RunAndKill(Env, delay, compact ? new[] { "image", "compact", image } : new[] { "image", "forget", image, "--keep-last", "2" })) killed++;
            CheckImage(image, states);
            Ok(Cli.Run(Env, compact ? new[] { "image", "compact", image } : new[] { "image", "forget", image, "--keep-last", "2" }));
        }
        output.WriteLine($"{killed} of 4 maintenance runs killed part way");
        Ok(Cli.Run(Env, "clone", src, image));
        states["now"] = TreeState.Read(src);
        CheckImage(image, states);
    }

    [Fact]
    public void KillDuringPassphraseChange_LeavesAPassphraseThatOpensTheImage()
    {
        string src = _dir["src"], image = _dir["p.psimg"];
        MakeSource(src, 7, files: 5, size: 10_000);
        Ok(Cli.Run(Env, "image", "new", image, "--encryption", "aes256", "--kdf-iterations", "200000"));
        Ok(Cli.Run(Env, "clone", src, image));
        var state = new Dictionary<string, TreeState> { ["0"] = TreeState.Read(src) };
        var random = new Random(8);
        string current = Secret;
        var duration = Measure(() => Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = Secret, ["PSCLONE_NEW_PASSPHRASE"] = "interim passphrase" }, "image", "passwd", image));
        current = "interim passphrase";
        int killed = 0;
        for (int round = 0; round < 4; round++)
        {
            string next = $"passphrase number {round}";
            var env = new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = current, ["PSCLONE_NEW_PASSPHRASE"] = next };
            var delay = TimeSpan.FromMilliseconds(random.Next(50, (int)(duration.TotalMilliseconds * 1.1)));
            if (Cli.RunAndKill(env, delay, "image", "passwd", image)) killed++;
            bool oldOpens = Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = current }, "image", "snapshots", image).ExitCode == 0;
            bool newOpens = Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = next }, "image", "snapshots", image).ExitCode == 0;
            Assert.True(oldOpens || newOpens, "after the kill neither passphrase opens the image");
            if (newOpens) current = next;
            CheckImage(image, state, new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = current });
        }
        output.WriteLine($"{killed} of 4 passphrase changes killed part way (one takes {duration.TotalMilliseconds:0} ms)");
        Ok(Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = current, ["PSCLONE_NEW_PASSPHRASE"] = "the final passphrase" }, "image", "passwd", image));
        Ok(Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = "the final passphrase" }, "clone", src, image));
        Assert.Equal(2, Cli.Run(new Dictionary<string, string?> { ["PSCLONE_PASSPHRASE"] = current }, "image", "snapshots", image).ExitCode);
    }

    /// <summary>Changes a few files and adds some, with random content.</summary>
    private static void Mutate(string root, Random random, int files, int size)
    {
        for (int i = 0; i < files; i++)
        {
            string path = Path.Combine(root, $"d{random.Next(4)}", $"f{random.Next(files * 3)}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[random.Next(size / 2, size)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }
    }
}
