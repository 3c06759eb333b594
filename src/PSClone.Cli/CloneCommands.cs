namespace PSClone.Cli;

/// <summary>`psclone clone` and `psclone verify`.</summary>
internal static class CloneCommands
{
    public const string CloneUsage = """
        usage: psclone clone SOURCE DEST [options]

          --safetynet on|off|keepall   what happens to replaced and deleted items (default on)
          --no-protect-root            with --safetynet on: archive items found only at DEST's root too
          --protect-root               leave items found only at DEST's root alone (default with on)
          --exclude GLOB               skip matching items (repeatable): *.tmp, cache/, /build, **/node_modules
          --include GLOB               clone only matching items (repeatable)
          --filter-file FILE           lines "+ GLOB" (include), "- GLOB" or "GLOB" (exclude), "# comment"
          --checksum                   compare contents, not size and modification time
          --verify                     re-read every copied file and compare SHA-256 with the source
          --dry-run                    list what would be done; change nothing
          --force                      clone onto a destination that belongs to another source or holds unrelated items
          --max-delete N               refuse when more than N items would be removed
          --max-delete-percent P       refuse when more than P% of DEST's items would be removed (default 50)
          --min-free SIZE              SafetyNet: prune oldest runs while DEST has less free space (default 25GB)
          --max-age AGE                SafetyNet: prune runs older than AGE (1d, 12h)
          --max-size SIZE              SafetyNet: keep at most SIZE, newest runs first
          --no-auto-adjust             on a full DEST, stop instead of pruning older SafetyNet runs
          --durable                    flush each file to the device before it replaces the old one
          --retry-count N              retries of transient I/O errors (default 2)
          --retry-delay AGE            first retry delay, doubled each time (default 1s)
          --parallel N                 parallel copy workers
          --task NAME                  the task name recorded in DEST's identity marker
          --json                       one JSON object per line; the last is the summary
          -v, --verbose                list every item changed and explain decisions
          -q, --quiet                  no progress line and no summary text

        SIZE: 0, 500MB, 25GB (binary units).  AGE: 30m, 12h, 1d, 2w.
        Exit codes: 0 done, 1 some items failed, 2 bad input or refused, 3 interrupted or destination failed.
        """;

    public const string VerifyUsage = """
        usage: psclone verify SOURCE DEST [--checksum] [--exclude GLOB]... [--include GLOB]... [--filter-file FILE] [--json]

        Compares without changing anything. Exit 0 identical, 1 differences found, 2 bad input.
        """;

    private static readonly CommandSpec CloneSpec = new CommandSpec(CloneUsage, 2, 2)
        .Flags("--no-protect-root", "--protect-root", "--checksum", "--verify", "--dry-run", "--force", "--no-auto-adjust",
            "--durable", "--json", "--verbose", "--quiet")
        .Options("--safetynet", "--exclude", "--include", "--filter-file", "--max-delete", "--max-delete-percent", "--min-free",
            "--max-age", "--max-size", "--retry-count", "--retry-delay", "--parallel", "--task")
        .Alias("-v", "--verbose").Alias("-q", "--quiet").Alias("-n", "--dry-run");

    private static readonly CommandSpec VerifySpec = new CommandSpec(VerifyUsage, 2, 2)
        .Flags("--checksum", "--json", "--quiet")
        .Options("--exclude", "--include", "--filter-file")
        .Alias("-q", "--quiet");

    public static int Clone(string[] args, CancellationToken cancel)
    {
        if (Program.WantsHelp(args, CloneUsage)) return Program.ExitDone;
        var a = CloneSpec.Parse(args);
        using var passphrase = ImageCommands.ForImage(a.Positionals[1]);
        var request = BuildRequest(a) with { Passphrase = passphrase };
        var host = new CliHost(a.Flag("--json"), listItems: a.Flag("--verbose") || request.DryRun, a.Flag("--quiet")) { ShowVerbose = a.Flag("--verbose") };
        CloneRunResult result;
        try
        {
            result = EnginePump.Run((events, token) => new Cloning.CloneEngine().Run(request, events, token), host, cancel);
        }
        catch (PSCloneException ex)
        {
            host.Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return ex.NothingDone ? Program.ExitRefused : Program.ExitInterrupted;
        }
        host.Emit("summary", result, host.Quiet ? null : () => Describe(result));
        return Program.ExitCodeFor(result.Status);
    }

    internal static CloneRequest BuildRequest(Arguments a)
    {
        var mode = a.Value("--safetynet")?.ToLowerInvariant() switch
        {
            null or "on" => SafetyNetMode.On,
            "off" => SafetyNetMode.Off,
            "keepall" => SafetyNetMode.KeepAll,
            var other => throw new UsageException($"--safetynet takes on, off or keepall, not '{other}'."),
        };
        bool? protect = a.Flag("--no-protect-root") ? false : a.Flag("--protect-root") ? true : null;
        var limits = new SafetyNetLimits
        {
            MinFreeBytes = a.Value("--min-free") is { } mf ? ByteSize.Parse(mf, "--min-free") : SafetyNetLimits.DefaultMinFreeBytes,
            MaxAge = a.Value("--max-age") is { } ma ? Age.Parse(ma, "--max-age") : null,
            MaxSizeBytes = a.Value("--max-size") is { } ms ? ByteSize.Parse(ms, "--max-size") : null,
        };
        return new CloneRequest
        {
            Source = a.Positionals[0],
            Destination = a.Positionals[1],
            SafetyNet = mode,
            ProtectRootItems = protect,
            Include = a.Values("--include").ToArray(),
            Exclude = a.Values("--exclude").ToArray(),
            FilterFile = a.Value("--filter-file"),
            Checksum = a.Flag("--checksum"),
            Verify = a.Flag("--verify"),
            DryRun = a.Flag("--dry-run"),
            Force = a.Flag("--force"),
            MaxDelete = a.Value("--max-delete") is { } md ? Int(md, "--max-delete") : null,
            MaxDeletePercent = a.Value("--max-delete-percent") is { } mp ? Percent(mp) : 50,
            SafetyNetLimits = limits,
            AutoAdjust = !a.Flag("--no-auto-adjust"),
            Durable = a.Flag("--durable"),
            RetryCount = a.Value("--retry-count") is { } rc ? Int(rc, "--retry-count") : 2,
            RetryDelay = a.Value("--retry-delay") is { } rd ? Age.Parse(rd, "--retry-delay") : TimeSpan.FromSeconds(1),
            Parallelism = a.Value("--parallel") is { } p ? Int(p, "--parallel") : null,
            TaskName = a.Value("--task"),
        };
    }

    internal static int Int(string text, string option) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n
        : throw new UsageException($"{option} takes a whole number, not '{text}'.");

    private static double Percent(string text) =>
        double.TryParse(text.TrimEnd('%'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double p) && p is >= 0 and <= 100 ? p
        : throw new UsageException($"--max-delete-percent takes a number from 0 to 100, not '{text}'.");

    private static string Describe(CloneRunResult r)
    {
        var lines = new List<string>
        {
            $"{r.Status}{(r.DryRun ? " (dry run: nothing was changed)" : "")}: {r.Source} -> {r.Destination}",
            $"  {r.ItemsScanned} scanned, {r.ItemsCopied} copied, {r.ItemsUpdated} updated, {r.ItemsArchived} archived, " +
            $"{r.ItemsDeleted} deleted, {r.ItemsSkipped} skipped, {r.ItemsFailed} failed",
            $"  {ByteSize.Format(r.BytesCopied)} {(r.DryRun ? "to copy" : "copied")} in {r.Duration.TotalSeconds:0.0} s" +
            (r.ItemsVerified > 0 ? $", {r.ItemsVerified} verified" : ""),
        };
        if (r.SafetyNetFolder is not null) lines.Add($"  SafetyNet: {r.SafetyNetFolder}");
        if (r.SafetyNetRunsPruned > 0) lines.Add($"  SafetyNet runs pruned: {r.SafetyNetRunsPruned}");
        if (r.AdjustedMinFreeBytes is { } adjusted) lines.Add($"  SafetyNet free-space limit raised to {ByteSize.Format(adjusted)} (pass --min-free to keep it)");
        if (r.MetadataNotPreserved.Count > 0) lines.Add($"  Not preserved on this destination: {string.Join(", ", r.MetadataNotPreserved)}");
        if (r.Errors > 0) lines.Add($"  {r.Errors} error(s); see above.");
        return string.Join(Environment.NewLine, lines);
    }

    public static int Verify(string[] args, CancellationToken cancel)
    {
        if (Program.WantsHelp(args, VerifyUsage)) return Program.ExitDone;
        var a = VerifySpec.Parse(args);
        var host = new CliHost(a.Flag("--json"), listItems: true, a.Flag("--quiet"));
        var request = new CloneTestRequest
        {
            Source = a.Positionals[0],
            Destination = a.Positionals[1],
            Checksum = a.Flag("--checksum"),
            Include = a.Values("--include").ToArray(),
            Exclude = a.Values("--exclude").ToArray(),
            FilterFile = a.Value("--filter-file"),
        };
        int differences;
        try
        {
            differences = EnginePump.Run((events, token) => new CloneVerifier().Compare(request, events, token), host, cancel);
        }
        catch (PSCloneException ex)
        {
            host.Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return Program.ExitRefused;
        }
        if (!host.JsonOutput && !host.Quiet)
            Console.WriteLine(differences == 0 ? "Identical." : $"{differences} difference(s).");
        return differences == 0 && host.Errors == 0 ? Program.ExitDone : Program.ExitItemsFailed;
    }
}
