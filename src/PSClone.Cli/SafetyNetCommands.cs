namespace PSClone.Cli;

/// <summary>`psclone safetynet list|restore|prune`.</summary>
internal static class SafetyNetCommands
{
    private const string Usage = """
        usage:
          psclone safetynet list DEST [--path GLOB] [--run NAME] [--recurse] [--json]
          psclone safetynet restore DEST --path GLOB [--to DIR] [--run NAME] [--force] [--json]
          psclone safetynet prune DEST [--min-free SIZE] [--max-age AGE] [--max-size SIZE] [--all] [--dry-run] [--json]

        GLOB uses wildcards on paths relative to DEST ('*' crosses folders; a pattern without '/'
        also matches the name alone). restore brings back the newest archived version of each
        matching path (from --run NAME only, if given) to its original place, or under --to DIR;
        an item in the way is refused unless --force, which first archives it into the SafetyNet.
        prune removes whole run folders, oldest first; --all removes every run.
        """;

    private static readonly CommandSpec ListSpec = new CommandSpec(Usage, 1, 1)
        .Flags("--recurse", "--json").Options("--path", "--run").Alias("-r", "--recurse");

    private static readonly CommandSpec RestoreSpec = new CommandSpec(Usage, 1, 1)
        .Flags("--force", "--json").Options("--path", "--to", "--run");

    private static readonly CommandSpec PruneSpec = new CommandSpec(Usage, 1, 1)
        .Flags("--all", "--dry-run", "--json").Options("--min-free", "--max-age", "--max-size");

    public static int Run(string[] args, CancellationToken cancel)
    {
        if (args.Length == 0 || Program.WantsHelp(args.Take(1).ToList(), Usage)) return args.Length == 0 ? Program.ExitRefused : Program.ExitDone;
        if (Program.WantsHelp(args, Usage)) return Program.ExitDone;
        var rest = args.Skip(1).ToArray();
        try
        {
            return args[0] switch
            {
                "list" => List(ListSpec.Parse(rest)),
                "restore" => Restore(RestoreSpec.Parse(rest), cancel),
                "prune" => Prune(PruneSpec.Parse(rest), cancel),
                _ => throw new UsageException($"Unknown safetynet command '{args[0]}'.\n{Usage}"),
            };
        }
        catch (PSCloneException ex) when (ex.NothingDone)
        {
            new CliHost(rest.Contains("--json"), false, false).Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return Program.ExitRefused;
        }
    }

    private static int List(Arguments a)
    {
        var host = new CliHost(a.Flag("--json"), true, false);
        int n = 0;
        foreach (var item in new SafetyNetManager().GetItems(a.Positionals[0], a.Value("--path"), a.Value("--run"), a.Flag("--recurse")))
        {
            n++;
            host.Emit("safetyNetItem", item, () =>
                $"{item.RunName}  {item.Reason,-8} {item.ItemType,-12} {ByteSize.Format(item.Size),10}  {item.RelativePath}{(item.ItemType == ItemType.Directory ? "/" : "")}");
        }
        if (n == 0 && !host.JsonOutput) Console.Error.WriteLine("The SafetyNet holds no matching items.");
        return Program.ExitDone;
    }

    private static int Restore(Arguments a, CancellationToken cancel)
    {
        string pattern = a.Value("--path") ?? throw new UsageException("restore needs --path GLOB (use '*' for everything).\n" + Usage);
        var host = new CliHost(a.Flag("--json"), true, false);
        var manager = new SafetyNetManager();
        var items = manager.SelectForRestore(a.Positionals[0], pattern, a.Value("--run"));
        if (items.Count == 0)
        {
            host.Fatal("SafetyNetItemNotFound", nameof(FailureKind.ObjectNotFound),
                $"No item in the SafetyNet of '{a.Positionals[0]}' matches '{pattern}'. List them with: psclone safetynet list {a.Positionals[0]} --recurse", pattern);
            return Program.ExitRefused;
        }
        int failed = 0, refused = 0;
        using var session = manager.BeginRestore();
        foreach (var item in items)
        {
            try
            {
                var restored = session.Restore(item, a.Value("--to"), a.Flag("--force"), cancel);
                host.Emit("restored", restored, () => $"Restored {restored.RelativePath} ({restored.RunName}) -> {restored.RestoredPath}");
            }
            catch (PSCloneException ex) when (ex.ErrorId == "DestinationLocked")
            {
                throw; // the whole restore is refused: nothing was done
            }
            catch (PSCloneException ex)
            {
                failed++;
                if (ex.NothingDone) refused++;
                host.Error(new EngineError(ex.ErrorId, ex.Kind, ex.Message, ex.Target, ex));
            }
        }
        // Every item refused (all in the way, say) means nothing was done: exit 2, as for any refusal.
        return failed == 0 ? Program.ExitDone : refused == items.Count ? Program.ExitRefused : Program.ExitItemsFailed;
    }

    private static int Prune(Arguments a, CancellationToken cancel)
    {
        var limits = new SafetyNetLimits
        {
            MinFreeBytes = a.Value("--min-free") is { } mf ? ByteSize.Parse(mf, "--min-free") : null,
            MaxAge = a.Value("--max-age") is { } ma ? Age.Parse(ma, "--max-age") : null,
            MaxSizeBytes = a.Value("--max-size") is { } ms ? ByteSize.Parse(ms, "--max-size") : null,
        };
        bool none = limits.MinFreeBytes is null && limits.MaxAge is null && limits.MaxSizeBytes is null;
        if (none && !a.Flag("--all"))
            throw new UsageException("prune needs --min-free, --max-age or --max-size, or --all to remove every run.\n" + Usage);
        var host = new CliHost(a.Flag("--json"), true, false);
        var manager = new SafetyNetManager();
        var runs = a.Flag("--dry-run")
            ? manager.GetRunsToPrune(a.Positionals[0], none ? null : limits)
            : manager.Prune(a.Positionals[0], none ? null : limits, cancel);
        foreach (var run in runs)
            host.Emit("safetyNetRun", run, () => $"{(a.Flag("--dry-run") ? "Would prune" : "Pruned")} {run.Name}  ({run.ItemCount} items, {ByteSize.Format(run.Size)})");
        return Program.ExitDone;
    }
}
