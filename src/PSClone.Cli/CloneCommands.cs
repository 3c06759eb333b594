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

    /// <summary>The options that describe a clone; tasks save the same set (psclone task new/set).</summary>
    internal static readonly string[] OptionFlags =
        ["--no-protect-root", "--protect-root", "--checksum", "--verify", "--force", "--no-auto-adjust", "--durable"];

    internal static readonly string[] OptionValues =
        ["--safetynet", "--exclude", "--include", "--filter-file", "--max-delete", "--max-delete-percent", "--min-free",
         "--max-age", "--max-size", "--retry-count", "--retry-delay", "--parallel"];

    private static readonly CommandSpec CloneSpec = new CommandSpec(CloneUsage, 2, 2)
        .Flags(OptionFlags).Flags("--dry-run", "--json", "--verbose", "--quiet")
        .Options(OptionValues).Options("--task")
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

    internal static CloneRequest BuildRequest(Arguments a) => ApplyOptions(a, new CloneRequest
    {
        Source = a.Positionals[0],
        Destination = a.Positionals[1],
        DryRun = a.Flag("--dry-run"),
        TaskName = a.Value("--task"),
    });

    /// <summary>The clone options given in <paramref name="a"/> set on <paramref name="r"/>; options not
    /// given keep <paramref name="r"/>'s values. A repeated list option (--exclude) replaces the list
    /// ("" alone empties it); a size, age or count option takes "none" to remove its limit.</summary>
    internal static CloneRequest ApplyOptions(Arguments a, CloneRequest r)
    {
        var mode = a.Value("--safetynet")?.ToLowerInvariant() switch
        {
            null => r.SafetyNet,
            "on" => SafetyNetMode.On,
            "off" => SafetyNetMode.Off,
            "keepall" => SafetyNetMode.KeepAll,
            var other => throw new UsageException($"--safetynet takes on, off or keepall, not '{other}'."),
        };
        bool? protect = a.Flag("--no-protect-root") ? false : a.Flag("--protect-root") ? true : r.ProtectRootItems;
        var limits = new SafetyNetLimits
        {
            MinFreeBytes = a.Value("--min-free") is { } mf ? Nullable(mf, v => ByteSize.Parse(v, "--min-free")) : r.SafetyNetLimits.MinFreeBytes,
            MaxAge = a.Value("--max-age") is { } ma ? Nullable(ma, v => Age.Parse(v, "--max-age")) : r.SafetyNetLimits.MaxAge,
            MaxSizeBytes = a.Value("--max-size") is { } ms ? Nullable(ms, v => ByteSize.Parse(v, "--max-size")) : r.SafetyNetLimits.MaxSizeBytes,
        };
        IReadOnlyList<string> List(string option, IReadOnlyList<string> current) =>
            a.Values(option) switch
            {
                { Count: 0 } => current,
                [""] => Array.Empty<string>(),
                var given => given.ToArray(),
            };
        return r with
        {
            SafetyNet = mode,
            ProtectRootItems = protect,
            Include = List("--include", r.Include),
            Exclude = List("--exclude", r.Exclude),
            FilterFile = a.Value("--filter-file") is { } ff ? (ff.Length == 0 ? null : ff) : r.FilterFile,
            Checksum = a.Flag("--checksum") || r.Checksum,
            Verify = a.Flag("--verify") || r.Verify,
            Force = a.Flag("--force") || r.Force,
            MaxDelete = a.Value("--max-delete") is { } md ? Nullable(md, v => Int(v, "--max-delete")) : r.MaxDelete,
            MaxDeletePercent = a.Value("--max-delete-percent") is { } mp ? Percent(mp) : r.MaxDeletePercent,
            SafetyNetLimits = limits,
            AutoAdjust = !a.Flag("--no-auto-adjust") && r.AutoAdjust,
            Durable = a.Flag("--durable") || r.Durable,
            RetryCount = a.Value("--retry-count") is { } rc ? Int(rc, "--retry-count") : r.RetryCount,
            RetryDelay = a.Value("--retry-delay") is { } rd ? Age.Parse(rd, "--retry-delay") : r.RetryDelay,
            Parallelism = a.Value("--parallel") is { } p ? Nullable(p, v => Int(v, "--parallel")) : r.Parallelism,
        };
    }

    private static T? Nullable<T>(string text, Func<string, T> parse) where T : struct =>
        text.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : parse(text);

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
        host.Emit("summary", new VerifySummary(request.Source, request.Destination, differences, host.Errors, differences == 0 && host.Errors == 0),
            host.Quiet ? null : () => differences == 0 ? "Identical." : $"{differences} difference(s).");
        return differences == 0 && host.Errors == 0 ? Program.ExitDone : Program.ExitItemsFailed;
    }
}
