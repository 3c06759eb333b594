using System.Globalization;
using PSClone.Images;

namespace PSClone.Cli;

/// <summary>`psclone image ...`: create, list, browse, restore, forget, compact, resize, seal, verify
/// backup images, change their passphrase, and block-level backups of devices. Passphrases come
/// from PSCLONE_PASSPHRASE (and PSCLONE_NEW_PASSPHRASE) or a terminal prompt, never an argument.</summary>
internal static class ImageCommands
{
    public const string PassphraseVariable = "PSCLONE_PASSPHRASE";
    public const string NewPassphraseVariable = "PSCLONE_NEW_PASSPHRASE";

    private const string Usage = """
        usage:
          psclone image new IMAGE [--layout file|bundle] [--capacity SIZE] [--encryption none|aes128|aes256]   (default: none)
          psclone clone SOURCE IMAGE [clone options]          a clone into an image makes a snapshot
          psclone image info IMAGE [--json]
          psclone image snapshots IMAGE [--json]              one object per snapshot, oldest first, with "id"
          psclone image ls IMAGE [--snapshot ID|latest] [PATH] [--recurse] [--json]
          psclone image restore IMAGE TARGET [--snapshot ID|latest] [--path GLOB]... [--force]
          psclone image forget IMAGE (--snapshot ID... | --keep-last N [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]) [--dry-run]
          psclone image compact IMAGE
          psclone image resize IMAGE --capacity SIZE
          psclone image compress IMAGE OUTPUT                 sealed, read-only, recompressed copy
          psclone image verify IMAGE [--read-data]            exit 0 intact, 1 damage found (names what is damaged)
          psclone image passwd IMAGE [--kdf-iterations N]     new passphrase from PSCLONE_NEW_PASSPHRASE or a prompt
          psclone image backup-device DEVICE IMAGE            block-level backup of a device or image file
          psclone image restore-device IMAGE TARGET [--snapshot ID|latest] [--force]

        IMAGE is a file (NAME.psimg, layout "file") or a folder (NAME.psimgbundle, layout "bundle": pack files
        of a few tens of MB, for NAS, FAT32 and cloud-sync folders). The passphrase of an encrypted image comes
        from PSCLONE_PASSPHRASE, or is asked for on the terminal; it is never an argument.
        new: --capacity defaults to the free space of the disk; --kdf-iterations N (default: calibrated to about
             1 s), --chunk-size SIZE (average, a power of two; default 1MB), --pack-size SIZE (default 32MB).
        ls lists a folder's items (--recurse: everything below it), or the item PATH names.
        restore writes the snapshot's items (all, or those matching --path; a folder brings its contents) into
             TARGET at their paths; existing items are left alone (an error each) unless --force.
        forget removes snapshots by id or keeps, per source, the last N and the newest of each of the last N
             hours/days/weeks/months; the space they alone used is freed inside the image.
        compact also gives free space back to the disk.
        restore-device writes a block-level snapshot to a device or file of at least its size (a missing file
             is created; an existing one is overwritten only with --force).
        Exit codes: 0 done, 1 some items failed (verify: damage found), 2 bad input or refused, 3 interrupted.
        """;

    private static CommandSpec Spec(int min, int max) => new(Usage, min, max);

    public static int Run(string[] args, CancellationToken cancel)
    {
        if (args.Length == 0) { Console.WriteLine(Usage); return Program.ExitRefused; }
        if (Program.WantsHelp(args, Usage)) return Program.ExitDone;
        var rest = args.Skip(1).ToArray();
        bool json = rest.Contains("--json");
        try
        {
            return args[0] switch
            {
                "new" => New(Spec(1, 1).Flags("--json").Options("--layout", "--capacity", "--encryption", "--kdf-iterations", "--chunk-size", "--pack-size").Parse(rest), cancel),
                "info" => Info(Spec(1, 1).Flags("--json").Parse(rest), cancel),
                "snapshots" => Snapshots(Spec(1, 1).Flags("--json").Parse(rest), cancel),
                "ls" => List(Spec(1, 2).Flags("--json", "--recurse").Alias("-r", "--recurse").Options("--snapshot").Parse(rest), cancel),
                "restore" => Restore(Spec(2, 2).Flags("--json", "--force", "--verbose").Alias("-v", "--verbose").Options("--snapshot", "--path", "--parallel").Parse(rest), cancel),
                "forget" => Forget(Spec(1, 1).Flags("--json", "--dry-run").Alias("-n", "--dry-run")
                    .Options("--snapshot", "--keep-last", "--keep-hourly", "--keep-daily", "--keep-weekly", "--keep-monthly").Parse(rest), cancel),
                "compact" => Compact(Spec(1, 1).Flags("--json").Parse(rest), cancel),
                "resize" => Resize(Spec(1, 1).Flags("--json").Options("--capacity").Parse(rest), cancel),
                "compress" => Compress(Spec(2, 2).Flags("--json").Parse(rest), cancel),
                "verify" => Verify(Spec(1, 1).Flags("--json", "--read-data").Parse(rest), cancel),
                "passwd" => Passwd(Spec(1, 1).Flags("--json").Options("--kdf-iterations").Parse(rest), cancel),
                "backup-device" => BackupDevice(Spec(2, 2).Flags("--json").Parse(rest), cancel),
                "restore-device" => RestoreDevice(Spec(2, 2).Flags("--json", "--force").Options("--snapshot").Parse(rest), cancel),
                _ => throw new UsageException($"Unknown image command '{args[0]}'.\n{Usage}"),
            };
        }
        catch (PSCloneException ex)
        {
            new CliHost(json, false, false).Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return ex.NothingDone ? Program.ExitRefused : Program.ExitInterrupted;
        }
    }

    private static CliHost Host(Arguments a, bool listItems = true) => new(a.Flag("--json"), listItems, quiet: false);

    /// <summary>The passphrase for an existing image: none when it is not encrypted; else the
    /// environment variable, or a prompt on a terminal (null otherwise: the engine then says what is missing).</summary>
    public static Passphrase? ForImage(string image)
    {
        var header = ImageManager.Probe(image);
        if (header is null || header.Encryption == ImageEncryption.None) return null;
        return Passphrase.FromEnvironment(PassphraseVariable) ?? Prompt($"Passphrase for {image}: ");
    }

    /// <summary>Reads a passphrase from the terminal without echo; null when there is no terminal.</summary>
    private static Passphrase? Prompt(string question)
    {
        if (Console.IsInputRedirected) return null;
        Console.Error.Write(question);
        var buffer = new char[1024];
        int length = 0;
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter) break;
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (length > 0) length--;
                    continue;
                }
                if (key.KeyChar != '\0' && length < buffer.Length) buffer[length++] = key.KeyChar;
            }
            Console.Error.WriteLine();
            return new Passphrase(buffer.AsSpan(0, length));
        }
        finally
        {
            Array.Clear(buffer);
        }
    }

    /// <summary>A new passphrase: the variable, or asked twice on the terminal.</summary>
    private static Passphrase NewPassphrase(string variable, string image)
    {
        var fromEnv = Passphrase.FromEnvironment(variable);
        if (fromEnv is not null) return fromEnv;
        var first = Prompt($"New passphrase for {image}: ")
            ?? throw new PSCloneException("PassphraseRequired", FailureKind.InvalidArgument,
                $"A new passphrase is needed for '{image}'. Set {variable}, or run in a terminal to be asked for it.", image);
        using var second = Prompt("Repeat the passphrase: ");
        if (second is null || !first.Matches(second))
        {
            first.Dispose();
            throw new PSCloneException("PassphraseMismatch", FailureKind.InvalidArgument, "The two passphrases differ; nothing was changed. Try again.", image);
        }
        return first;
    }

    private static int New(Arguments a, CancellationToken cancel)
    {
        string image = a.Positionals[0];
        var layout = a.Value("--layout")?.ToLowerInvariant() switch
        {
            null => (ImageLayout?)null,
            "file" or "singlefile" => ImageLayout.SingleFile,
            "bundle" => ImageLayout.Bundle,
            var other => throw new UsageException($"--layout takes file or bundle, not '{other}'."),
        };
        var encryption = a.Value("--encryption")?.ToLowerInvariant() switch
        {
            null or "none" => ImageEncryption.None,
            "aes128" => ImageEncryption.Aes128,
            "aes256" => ImageEncryption.Aes256,
            var other => throw new UsageException($"--encryption takes none, aes128 or aes256, not '{other}'."),
        };
        var request = new ImageCreateRequest
        {
            Path = image,
            Layout = layout,
            Encryption = encryption,
            Capacity = a.Value("--capacity") is { } c ? ByteSize.Parse(c, "--capacity") : null,
            KdfIterations = a.Value("--kdf-iterations") is { } k ? CloneCommands.Int(k, "--kdf-iterations") : null,
            ChunkSize = a.Value("--chunk-size") is { } cs ? (int)Math.Min(int.MaxValue, ByteSize.Parse(cs, "--chunk-size")) : null,
            PackSize = a.Value("--pack-size") is { } ps ? (int)Math.Min(int.MaxValue, ByteSize.Parse(ps, "--pack-size")) : null,
        };
        var host = Host(a);
        using var passphrase = encryption == ImageEncryption.None ? null : NewPassphrase(PassphraseVariable, image);
        var info = EnginePump.Run((events, token) => new ImageManager().Create(request, passphrase, events, token), host, cancel);
        host.Emit("image", info, () => $"Created {info.Layout} image {info.Path} ({info.Encryption}, capacity {ByteSize.Format(info.Capacity)}).");
        return Program.ExitDone;
    }

    private static int Info(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var info = new ImageManager().GetInfo(a.Positionals[0], pass, cancel);
        host.Emit("image", info, () => string.Join(Environment.NewLine,
            $"{info.Path}",
            $"  {info.Layout}, {info.Encryption}, format {info.FormatVersion}{(info.Sealed ? ", sealed (read-only)" : "")}",
            $"  {info.SnapshotCount} snapshot(s), {info.ChunkCount} chunks in {info.PackCount} packs",
            $"  holds {ByteSize.Format(info.Size)} of {ByteSize.Format(info.Capacity)} capacity; {ByteSize.Format(info.DiskSize)} on disk"));
        return Program.ExitDone;
    }

    private static int Snapshots(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var snapshots = new ImageManager().GetSnapshots(a.Positionals[0], pass, cancel);
        foreach (var s in snapshots)
        {
            host.Emit("snapshot", s, () =>
                $"{s.Id}  {s.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {s.Kind,-5}  {s.Files,7} files  {ByteSize.Format(s.Bytes),9}  +{ByteSize.Format(s.AddedBytes),-9}  {s.Source}");
        }
        if (snapshots.Count == 0 && !host.JsonOutput) Console.Error.WriteLine("The image has no snapshots yet.");
        return Program.ExitDone;
    }

    private static int List(Arguments a, CancellationToken cancel)
    {
        var host = new ListHost(a.Flag("--json"));
        using var pass = ForImage(a.Positionals[0]);
        new ImageManager().ListItems(a.Positionals[0], a.Value("--snapshot"), a.Positionals.Count > 1 ? a.Positionals[1] : null,
            a.Flag("--recurse"), pass, host, cancel);
        return Program.ExitDone;
    }

    /// <summary>Prints listed items as they come, without the engine pump (a listing has nothing to confirm).</summary>
    private sealed class ListHost(bool json) : IEngineEvents
    {
        private readonly CliHost _host = new(json, true, false);

        public void Item(object item)
        {
            if (item is BackupImageEntry e)
            {
                _host.Emit("entry", e, () =>
                    $"{e.Mode} {e.Uid,5}:{e.Gid,-5} {ByteSize.Format(e.Size),9}  {e.LastWriteTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  " +
                    $"{e.Path}{(e.ItemType == ItemType.Directory ? "/" : "")}{(e.LinkTarget is { } t ? " -> " + t : "")}");
            }
            else
            {
                _host.Item(item);
            }
        }

        public void Progress(EngineProgress progress) { }
        public void Warning(string message) => _host.Warning(message);
        public void Verbose(string message) { }
        public void Error(EngineError error) => _host.Error(error);
        public bool ShouldProcess(string target, string action) => true;
    }

    private static int Restore(Arguments a, CancellationToken cancel)
    {
        var host = new CliHost(a.Flag("--json"), a.Flag("--verbose"), false) { ShowVerbose = a.Flag("--verbose") };
        using var pass = ForImage(a.Positionals[0]);
        var request = new ImageRestoreRequest
        {
            Image = a.Positionals[0],
            Target = a.Positionals[1],
            Snapshot = a.Value("--snapshot"),
            Paths = a.Values("--path").ToArray(),
            Force = a.Flag("--force"),
            Parallelism = a.Value("--parallel") is { } p ? CloneCommands.Int(p, "--parallel") : null,
            ReportItems = a.Flag("--verbose"),
        };
        var result = EnginePump.Run((events, token) => new ImageManager().Restore(request, pass, events, token), host, cancel);
        host.Emit("summary", result, () =>
            $"{result.Status}: restored {result.ItemsRestored} items ({ByteSize.Format(result.BytesRestored)}) of snapshot {result.SnapshotId} to {result.Target} " +
            $"in {result.Duration.TotalSeconds:0.0} s{(result.ItemsFailed > 0 ? $"; {result.ItemsFailed} failed" : "")}" +
            (result.MetadataNotPreserved.Count > 0 ? $"; not preserved: {string.Join(", ", result.MetadataNotPreserved)}" : ""));
        return result.ItemsFailed > 0 ? Program.ExitItemsFailed : Program.ExitDone;
    }

    private static int? Count(Arguments a, string option) => a.Value(option) is { } v ? CloneCommands.Int(v, option) : null;

    private static int Forget(Arguments a, CancellationToken cancel)
    {
        var request = new ImageForgetRequest
        {
            Image = a.Positionals[0],
            Snapshots = a.Values("--snapshot").ToArray(),
            KeepLast = Count(a, "--keep-last"),
            KeepHourly = Count(a, "--keep-hourly"),
            KeepDaily = Count(a, "--keep-daily"),
            KeepWeekly = Count(a, "--keep-weekly"),
            KeepMonthly = Count(a, "--keep-monthly"),
            DryRun = a.Flag("--dry-run"),
        };
        if (request.Snapshots.Count > 0 && !RetentionPolicyIsEmpty(request))
            throw new UsageException("Give either --snapshot or --keep-* options, not both.\n" + Usage);
        if (request.Snapshots.Count == 0 && RetentionPolicyIsEmpty(request))
            throw new UsageException("forget needs --snapshot ID or a retention policy (--keep-last N, --keep-daily N, ...).\n" + Usage);
        var host = Host(a);
        using var pass = ForImage(request.Image);
        var removed = EnginePump.Run((events, token) => new ImageManager().Forget(request, pass, new ForgetEvents(events, host.JsonOutput, request.DryRun), token), host, cancel);
        if (!host.JsonOutput) Console.WriteLine(removed.Count == 0 ? "No snapshot to remove." : $"{(request.DryRun ? "Would remove" : "Removed")} {removed.Count} snapshot(s).");
        return Program.ExitDone;
    }

    private static bool RetentionPolicyIsEmpty(ImageForgetRequest r) =>
        r.KeepLast is null && r.KeepHourly is null && r.KeepDaily is null && r.KeepWeekly is null && r.KeepMonthly is null;

    /// <summary>Shows removed snapshots as "removed" lines.</summary>
    private sealed class ForgetEvents(IEngineEvents inner, bool json, bool dryRun) : IEngineEvents
    {
        public void Item(object item) => inner.Item(item is BackupSnapshot s && !json ? new Line($"{(dryRun ? "would remove" : "removed")} {s}") : item);
        public void Progress(EngineProgress progress) => inner.Progress(progress);
        public void Warning(string message) => inner.Warning(message);
        public void Verbose(string message) => inner.Verbose(message);
        public void Error(EngineError error) => inner.Error(error);
        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);
    }

    private sealed record Line(string Text)
    {
        public override string ToString() => Text;
    }

    private static int Compact(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var result = EnginePump.Run((events, token) => new ImageManager().Compact(a.Positionals[0], pass, events, token), host, cancel);
        host.Emit("summary", result, () =>
            $"Compacted {result.Image}: holds {ByteSize.Format(result.SizeAfter)} (was {ByteSize.Format(result.SizeBefore)}), " +
            $"{ByteSize.Format(result.DiskSizeAfter)} on disk (was {ByteSize.Format(result.DiskSizeBefore)}).");
        return Program.ExitDone;
    }

    private static int Resize(Arguments a, CancellationToken cancel)
    {
        string capacity = a.Value("--capacity") ?? throw new UsageException("resize needs --capacity SIZE.\n" + Usage);
        long bytes = ByteSize.Parse(capacity, "--capacity");
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var info = EnginePump.Run((events, token) => new ImageManager().Resize(a.Positionals[0], bytes, pass, events, token), host, cancel);
        host.Emit("image", info, () => $"{info.Path}: capacity {ByteSize.Format(info.Capacity)}, holds {ByteSize.Format(info.Size)}.");
        return Program.ExitDone;
    }

    private static int Compress(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var info = EnginePump.Run((events, token) => new ImageManager().Compress(a.Positionals[0], a.Positionals[1], pass, events, token), host, cancel);
        host.Emit("image", info, () => $"Wrote the sealed copy {info.Path} ({ByteSize.Format(info.Size)}, {info.SnapshotCount} snapshot(s)).");
        return Program.ExitDone;
    }

    private static int Verify(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        using var pass = ForImage(a.Positionals[0]);
        var result = EnginePump.Run((events, token) => new ImageManager().Verify(a.Positionals[0], a.Flag("--read-data"), pass, events, token), host, cancel);
        host.Emit("summary", result, () => result.Intact
            ? $"Intact: {result.Image} ({result.Snapshots} snapshot(s), {result.PacksChecked} packs{(result.ReadData ? $", {ByteSize.Format(result.BytesRead)} read" : "")}{(result.SealChecked ? ", seal checked" : "")})."
            : $"DAMAGED: {result.Image}: {result.Problems} problem(s), {result.AffectedItems} snapshot item(s) affected (listed above).");
        return result.Intact ? Program.ExitDone : Program.ExitItemsFailed;
    }

    private static int Passwd(Arguments a, CancellationToken cancel)
    {
        string image = a.Positionals[0];
        var host = Host(a);
        using var current = ForImage(image);
        if (current is null && ImageManager.Probe(image) is { Encryption: not ImageEncryption.None })
            throw new PSCloneException("PassphraseRequired", FailureKind.InvalidArgument,
                $"The current passphrase of '{image}' is needed. Set {PassphraseVariable}, or run in a terminal to be asked for it.", image);
        if (current is null)
        {
            // Not encrypted (or not an image): the engine says which.
            using var none = new Passphrase("");
            new ImageManager().ChangePassphrase(image, none, none, null, host, cancel);
            return Program.ExitDone;
        }
        using var replacement = NewPassphrase(NewPassphraseVariable, image);
        int? iterations = a.Value("--kdf-iterations") is { } k ? CloneCommands.Int(k, "--kdf-iterations") : null;
        EnginePump.Run((events, token) => { new ImageManager().ChangePassphrase(image, current, replacement, iterations, events, token); return 0; }, host, cancel);
        if (!host.JsonOutput) Console.WriteLine($"Changed the passphrase of {image}.");
        else host.Emit("passphraseChanged", new { image }, null);
        return Program.ExitDone;
    }

    private static int BackupDevice(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        string image = a.Positionals[1];
        using var pass = ForImage(image);
        var snapshot = EnginePump.Run((events, token) => new ImageManager().BackupDevice(a.Positionals[0], image, pass, events, token), host, cancel);
        host.Emit("snapshot", snapshot, () => $"Snapshot {snapshot.Id} of {snapshot.Source}: {ByteSize.Format(snapshot.Bytes)}, added {ByteSize.Format(snapshot.AddedBytes)}.");
        return Program.ExitDone;
    }

    private static int RestoreDevice(Arguments a, CancellationToken cancel)
    {
        var host = Host(a);
        string image = a.Positionals[0];
        using var pass = ForImage(image);
        var result = EnginePump.Run((events, token) => new ImageManager().RestoreDevice(image, a.Positionals[1], a.Value("--snapshot"), a.Flag("--force"), pass, events, token), host, cancel);
        host.Emit("summary", result, () => $"Restored snapshot {result.SnapshotId} ({ByteSize.Format(result.BytesRestored)}) to {result.Target} in {result.Duration.TotalSeconds:0.0} s.");
        return Program.ExitDone;
    }
}
