using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PSClone.Tasks;

namespace PSClone.Cli;

/// <summary>`psclone task ...`: saved clone tasks, their runs, history, health, schedules and DSC.</summary>
internal static partial class TaskCommands
{
    private const string Usage = """
        usage:
          psclone task new NAME --source S --destination D [clone options] [task options]
          psclone task set NAME [--source S] [--destination D] [clone options] [task options]
          psclone task list [PATTERN...] [--json]
          psclone task show NAME [--json]
          psclone task remove NAME
          psclone task run NAME [--json] [--dry-run] [--no-chain] [-v] [-q]
          psclone task history [NAME] [--last N] [--json]
          psclone task test NAME --max-age AGE [--json] [-q]
          psclone task schedule NAME [--daily HH:MM | --hourly [--at MM] | --weekly DAYS --at HH:MM | --every AGE]
                                [--scheduler systemd|cron|taskscheduler|launchd] [--dry-run] [--json]
          psclone task unschedule NAME
          psclone task export NAME FILE          (FILE - writes to stdout)
          psclone task import FILE [--force] [--json]
          psclone task dsc get|set|test|export|schema     (DSC v3: desired state as JSON on stdin, state on stdout)

        clone options: as for psclone clone (--safetynet, --exclude, --include, --filter-file, --checksum, --verify,
          --force, --max-delete, --max-delete-percent, --min-free, --max-age, --max-size, --no-auto-adjust,
          --durable, --retry-count, --retry-delay, --parallel). With set, a list option replaces the list
          ("" empties it), "none" removes a limit, and --no-checksum, --no-verify, --no-force, --auto-adjust,
          --no-durable turn a setting off again.
        task options:
          --description TEXT           free text
          --run-after NAME             run task NAME next when this run completed (repeatable)
          --run-after-always NAME      run task NAME next whatever happened (repeatable)
          --pre-script PATH            run before the clone; a non-zero exit skips the run (status Skipped)
          --post-script PATH           run after the clone, with the result in PSCLONE_* variables and a JSON file
          --script-timeout AGE         stop a script after AGE (default 1h)
          --webhook URL                POST each run's JSON result to URL
          --webhook-on failure|always  which runs are posted (default failure)
          --webhook-timeout AGE        how long to wait for the webhook (default 10s)
          --keep-last N, --keep-daily N, --keep-weekly N, --keep-monthly N
                                       snapshot retention for image destinations
          set only: --no-run-after, --no-pre-script, --no-post-script, --no-webhook, --no-retention
        every command: --scope currentuser|allusers (default currentuser), --store DIR (a task store folder; as PSCLONE_HOME)

        Exit codes: run as for clone (the worst run of the chain); test 0 healthy, 1 not healthy; others 0 done, 2 bad input.
        """;

    private static readonly string[] StoreOptions = ["--scope", "--store"];

    private static readonly string[] TaskValues =
        ["--source", "--destination", "--description", "--run-after", "--run-after-always", "--pre-script", "--post-script",
         "--script-timeout", "--webhook", "--webhook-on", "--webhook-timeout", "--keep-last", "--keep-daily", "--keep-weekly", "--keep-monthly"];

    private static readonly string[] SetOnlyFlags =
        ["--no-checksum", "--no-verify", "--no-force", "--auto-adjust", "--no-durable",
         "--no-run-after", "--no-pre-script", "--no-post-script", "--no-webhook", "--no-retention"];

    private static readonly CommandSpec NewSpec = new CommandSpec(Usage, 1, 1)
        .Flags(CloneCommands.OptionFlags).Options(CloneCommands.OptionValues).Options(TaskValues).Options(StoreOptions).Flags("--json");

    private static readonly CommandSpec SetSpec = new CommandSpec(Usage, 1, 1)
        .Flags(CloneCommands.OptionFlags).Flags(SetOnlyFlags).Options(CloneCommands.OptionValues).Options(TaskValues).Options(StoreOptions).Flags("--json");

    private static readonly CommandSpec ListSpec = new CommandSpec(Usage, 0, int.MaxValue).Options(StoreOptions).Flags("--json");
    private static readonly CommandSpec NameSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions).Flags("--json");

    private static readonly CommandSpec RunSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions)
        .Flags("--json", "--dry-run", "--no-chain", "--verbose", "--quiet").Alias("-v", "--verbose").Alias("-q", "--quiet").Alias("-n", "--dry-run");

    private static readonly CommandSpec HistorySpec = new CommandSpec(Usage, 0, 1).Options(StoreOptions).Options("--last").Flags("--json");

    private static readonly CommandSpec TestSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions).Options("--max-age")
        .Flags("--json", "--quiet").Alias("-q", "--quiet");

    private static readonly CommandSpec ScheduleSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions)
        .Options("--daily", "--weekly", "--at", "--every", "--scheduler").Flags("--hourly", "--dry-run", "--json").Alias("-n", "--dry-run");

    private static readonly CommandSpec ExportSpec = new CommandSpec(Usage, 2, 2).Options(StoreOptions);
    private static readonly CommandSpec ImportSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions).Flags("--force", "--json");
    private static readonly CommandSpec DscSpec = new CommandSpec(Usage, 1, 1).Options(StoreOptions);

    public static int Run(string[] args, CancellationToken cancel)
    {
        if (args.Length == 0 || Program.WantsHelp(args.Take(1).ToList(), Usage)) return args.Length == 0 ? Program.ExitRefused : Program.ExitDone;
        if (Program.WantsHelp(args, Usage)) return Program.ExitDone;
        var rest = args.Skip(1).ToArray();
        bool json = rest.Contains("--json");
        try
        {
            return args[0] switch
            {
                "new" => New(NewSpec.Parse(rest)),
                "set" => Set(SetSpec.Parse(rest)),
                "list" => List(ListSpec.Parse(rest)),
                "show" => Show(NameSpec.Parse(rest)),
                "remove" => Remove(NameSpec.Parse(rest)),
                "run" => RunTask(RunSpec.Parse(rest), cancel),
                "history" => History(HistorySpec.Parse(rest)),
                "test" => Test(TestSpec.Parse(rest)),
                "schedule" => Schedule(ScheduleSpec.Parse(rest)),
                "unschedule" => Unschedule(NameSpec.Parse(rest)),
                "export" => Export(ExportSpec.Parse(rest)),
                "import" => Import(ImportSpec.Parse(rest)),
                "dsc" => Dsc(DscSpec.Parse(rest)),
                _ => throw new UsageException($"Unknown task command '{args[0]}'.\n{Usage}"),
            };
        }
        catch (PSCloneException ex) when (args[0] != "dsc")
        {
            new CliHost(json, false, false).Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return ex.NothingDone ? Program.ExitRefused : Program.ExitInterrupted;
        }
    }

    // ---- the store ----------------------------------------------------------------------------

    private static TaskScope Scope(Arguments a) => a.Value("--scope")?.ToLowerInvariant() switch
    {
        null or "currentuser" => TaskScope.CurrentUser,
        "allusers" => TaskScope.AllUsers,
        var other => throw new UsageException($"--scope takes currentuser or allusers, not '{other}'."),
    };

    private static TaskStore Store(Arguments a) => StoreFor(a, Scope(a));

    private static TaskStore StoreFor(Arguments a, TaskScope scope) =>
        a.Value("--store") is { } dir ? new TaskStore(TaskStoreLocation.At(dir, scope)) : TaskStore.Open(scope);

    /// <summary>This psclone, as a scheduler must start it: the apphost, or dotnet with psclone.dll.</summary>
    private static TaskLauncher Launcher()
    {
        string exe = Environment.ProcessPath ?? throw new UsageException("The path of psclone cannot be found; schedules need it.");
        return Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? TaskLauncher.Cli(exe, typeof(TaskCommands).Assembly.Location)
            : TaskLauncher.Cli(exe);
    }

    // ---- new, set, list, show, remove ---------------------------------------------------------------

    private static int New(Arguments a)
    {
        string name = a.Positionals[0];
        TaskRules.CheckName(name);
        if (a.Value("--source") is null || a.Value("--destination") is null)
            throw new UsageException($"task new needs --source and --destination, for example: psclone task new {name} --source ~/Documents --destination /mnt/backup/Documents");
        var task = Apply(a, new CloneTask { Name = name, Source = "", Destination = "" });
        var store = Store(a);
        var saved = store.Add(task);
        new CliHost(a.Flag("--json"), false, false).Emit("task", saved, () => $"Created task '{saved.Name}' ({store.PathOf(saved.Name)}).");
        return Program.ExitDone;
    }

    private static int Set(Arguments a)
    {
        var store = Store(a);
        var update = store.Update(a.Positionals[0], current => Apply(a, current));
        new CliHost(a.Flag("--json"), false, false).Emit("task", update.Task, () => update.Changed
            ? $"Updated task '{update.Task.Name}'."
            : $"Task '{update.Task.Name}' already has these settings; nothing was written.");
        return Program.ExitDone;
    }

    /// <summary>The task with every option given on the command line applied (clone options through
    /// the same parser as psclone clone). Paths are made absolute: scheduled runs have no current folder.</summary>
    private static CloneTask Apply(Arguments a, CloneTask task)
    {
        string? Full(string? path) => path is null || path.Length == 0 ? null : Path.GetFullPath(path);
        var request = CloneCommands.ApplyOptions(a, task.ToRequest() with
        {
            Source = a.Value("--source") is { } s ? Full(s)! : task.Source,
            Destination = a.Value("--destination") is { } d ? Full(d)! : task.Destination,
        });
        task = task.WithRequest(request with { FilterFile = a.Value("--filter-file") is { } ff ? Full(ff) : request.FilterFile });
        if (a.Flag("--no-checksum")) task = task with { Checksum = false };
        if (a.Flag("--no-verify")) task = task with { Verify = false };
        if (a.Flag("--no-force")) task = task with { Force = false };
        if (a.Flag("--auto-adjust")) task = task with { AutoAdjust = true };
        if (a.Flag("--no-durable")) task = task with { Durable = false };
        if (a.Value("--description") is { } description) task = task with { Description = description.Length == 0 ? null : description };

        var onSuccess = a.Values("--run-after").Select(n => new CloneTaskLink { Task = n });
        var always = a.Values("--run-after-always").Select(n => new CloneTaskLink { Task = n, When = RunAfterCondition.Always });
        var links = onSuccess.Concat(always).ToArray();
        if (links.Length > 0) task = task with { RunAfter = links };
        if (a.Flag("--no-run-after")) task = task with { RunAfter = [] };

        if (a.Value("--pre-script") is { } pre) task = task with { PreScript = Full(pre) };
        if (a.Value("--post-script") is { } post) task = task with { PostScript = Full(post) };
        if (a.Flag("--no-pre-script")) task = task with { PreScript = null };
        if (a.Flag("--no-post-script")) task = task with { PostScript = null };
        if (a.Value("--script-timeout") is { } st) task = task with { ScriptTimeout = Age.Parse(st, "--script-timeout") };

        string? webhook = a.Value("--webhook"), on = a.Value("--webhook-on"), timeout = a.Value("--webhook-timeout");
        if (webhook is not null || on is not null || timeout is not null)
        {
            var current = task.Notification;
            if (webhook is null && current is null)
                throw new UsageException("--webhook-on and --webhook-timeout need a webhook: add --webhook URL.");
            task = task with
            {
                Notification = new CloneTaskNotification
                {
                    Webhook = webhook ?? current!.Webhook,
                    On = on?.ToLowerInvariant() switch
                    {
                        null => current?.On ?? NotifyOn.Failure,
                        "failure" => NotifyOn.Failure,
                        "always" => NotifyOn.Always,
                        var other => throw new UsageException($"--webhook-on takes failure or always, not '{other}'."),
                    },
                    Timeout = timeout is null ? current?.Timeout ?? TimeSpan.FromSeconds(10) : Age.Parse(timeout, "--webhook-timeout"),
                },
            };
        }
        if (a.Flag("--no-webhook")) task = task with { Notification = null };

        int? Keep(string option) => a.Value(option) is { } v ? CloneCommands.Int(v, option) : null;
        int? last = Keep("--keep-last"), daily = Keep("--keep-daily"), weekly = Keep("--keep-weekly"), monthly = Keep("--keep-monthly");
        if (last is not null || daily is not null || weekly is not null || monthly is not null)
        {
            var r = task.Retention ?? new CloneTaskRetention();
            task = task with
            {
                Retention = r with
                {
                    KeepLast = last ?? r.KeepLast,
                    KeepDaily = daily ?? r.KeepDaily,
                    KeepWeekly = weekly ?? r.KeepWeekly,
                    KeepMonthly = monthly ?? r.KeepMonthly,
                },
            };
        }
        if (a.Flag("--no-retention")) task = task with { Retention = null };
        return task;
    }

    private static int List(Arguments a)
    {
        var host = new CliHost(a.Flag("--json"), false, false);
        var tasks = Store(a).Find(a.Positionals, host);
        int width = tasks.Count == 0 ? 0 : tasks.Max(t => t.Name.Length);
        foreach (var task in tasks)
        {
            host.Emit("task", task, () =>
                $"{task.Name.PadRight(width)}  {task.Source} -> {task.Destination}" +
                (task.Schedule is { } s ? $"  [{s}{(s.Scheduler is { } k ? $", {k}" : ", not registered")}]" : ""));
        }
        if (tasks.Count == 0 && host.Errors == 0 && !host.JsonOutput) Console.Error.WriteLine("No tasks. Create one with: psclone task new NAME --source S --destination D");
        return host.Errors == 0 ? Program.ExitDone : Program.ExitItemsFailed;
    }

    private static int Show(Arguments a)
    {
        var task = Store(a).Get(a.Positionals[0]);
        new CliHost(a.Flag("--json"), false, false).Emit("task", task, () => TaskJson.Serialize(task).TrimEnd());
        return Program.ExitDone;
    }

    private static int Remove(Arguments a)
    {
        var store = Store(a);
        var host = new CliHost(false, false, false);
        var contents = store.Load();
        var task = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, a.Positionals[0], StringComparison.OrdinalIgnoreCase));
        if (task is null)
        {
            store.Remove(a.Positionals[0]); // a damaged file, or TaskNotFound
            Console.WriteLine($"Removed the task file of '{a.Positionals[0]}'.");
            return Program.ExitDone;
        }
        new TaskSchedules(store).RemoveTask(task, host);
        Console.WriteLine($"Removed task '{task.Name}', its history and its logs.");
        return Program.ExitDone;
    }

    // ---- run, history, test -------------------------------------------------------------------

    private static int RunTask(Arguments a, CancellationToken cancel)
    {
        var store = Store(a);
        var task = store.Get(a.Positionals[0]);
        bool verbose = a.Flag("--verbose");
        if (a.Flag("--dry-run"))
        {
            var dry = new CliHost(a.Flag("--json"), listItems: true, a.Flag("--quiet"));
            var result = EnginePump.Run((events, token) => new Cloning.CloneEngine().Run(task.ToRequest(dryRun: true), events, token), dry, cancel);
            dry.Emit("summary", result, dry.Quiet ? null : () => $"{result.Status} (dry run: nothing was changed): {result.ItemsCopied} to copy, " +
                $"{result.ItemsUpdated} to update, {result.ItemsArchived} to archive, {result.ItemsDeleted} to delete, {ByteSize.Format(result.BytesCopied)}");
            return Program.ExitCodeFor(result.Status);
        }
        var host = new CliHost(a.Flag("--json"), listItems: verbose, a.Flag("--quiet")) { ShowVerbose = verbose };
        var runs = EnginePump.Run((events, token) => new TaskRunner(store).Run(task, events, token, runChain: !a.Flag("--no-chain")),
            new RunHost(host, verbose), cancel);
        // A chained task that could not start (not found, damaged) is an error too: exit at least 1.
        return Math.Max(runs.Max(r => r.ExitCode), host.Errors > 0 ? Program.ExitItemsFailed : Program.ExitDone);
    }

    /// <summary>Runs as "taskRun" objects; items only with --verbose (the audit log has them all).</summary>
    private sealed class RunHost(CliHost host, bool items) : IEngineEvents
    {
        public void Item(object item)
        {
            if (item is CloneTaskRun run) host.Emit("taskRun", run, host.Quiet ? null : () => Describe(run));
            else if (items || item is not CloneItemResult) host.Item(item);
        }

        public void Progress(EngineProgress progress) => host.Progress(progress);
        public void Warning(string message) => host.Warning(message);
        public void Verbose(string message) => host.Verbose(message);
        public void Error(EngineError error) => host.Error(error);
        public bool ShouldProcess(string target, string action) => true;
    }

    private static string Describe(CloneTaskRun r) =>
        $"{r.TaskName}: {r.Status} in {r.Duration.TotalSeconds:0.0} s ({r.Source} -> {r.Destination})" +
        (r.Message is { } m ? $"\n  {m}" : "") +
        (r.Status is CloneStatus.Skipped ? "" :
            $"\n  {r.ItemsScanned} scanned, {r.ItemsCopied} copied, {r.ItemsUpdated} updated, {r.ItemsArchived} archived, " +
            $"{r.ItemsDeleted} deleted, {r.ItemsFailed} failed; {ByteSize.Format(r.BytesCopied)} copied") +
        (r.LogPath is { } log ? $"\n  log: {log}" : "");

    private static int History(Arguments a)
    {
        var store = Store(a);
        int? last = a.Value("--last") is { } l ? CloneCommands.Int(l, "--last") : null;
        var runs = store.GetHistory(a.Positionals.Count == 1 ? [store.Get(a.Positionals[0])] : store.Load().Tasks, last);
        var host = new CliHost(a.Flag("--json"), false, false);
        foreach (var run in runs)
        {
            host.Emit("taskRun", run, () =>
                $"{run.StartTime.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {run.TaskName,-16} {run.Status,-21} {FormatDuration(run.Duration),9}  " +
                $"{run.ItemsCopied} copied, {run.ItemsUpdated} updated, {run.ItemsArchived + run.ItemsDeleted} removed, {run.ItemsFailed} failed, " +
                $"{ByteSize.Format(run.BytesCopied)}" + (run.Message is { } m ? $"  ({m})" : ""));
        }
        return Program.ExitDone;
    }

    private static string FormatDuration(TimeSpan d) =>
        d.TotalHours >= 1 ? d.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : d.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);

    private static int Test(Arguments a)
    {
        string maxAge = a.Value("--max-age") ?? throw new UsageException("task test needs --max-age AGE, for example --max-age 1d.\n" + Usage);
        var store = Store(a);
        var health = new TaskHealthCheck(store).Test(store.Get(a.Positionals[0]), Age.Parse(maxAge, "--max-age"));
        if (!a.Flag("--quiet")) new CliHost(a.Flag("--json"), false, false).Emit("taskHealth", health, () => (health.Healthy ? "healthy: " : "not healthy: ") + health.Message);
        return health.Healthy ? Program.ExitDone : Program.ExitItemsFailed;
    }

    // ---- schedules ----------------------------------------------------------------------------

    private static int Schedule(Arguments a)
    {
        var store = Store(a);
        var task = store.Get(a.Positionals[0]);
        var schedule = ParseSchedule(a);
        SchedulerKind? scheduler = a.Value("--scheduler") is { } k
            ? Enum.TryParse<SchedulerKind>(k, ignoreCase: true, out var kind) && Enum.IsDefined(kind) ? kind
              : throw new UsageException($"--scheduler takes systemd, cron, taskscheduler or launchd, not '{k}'.")
            : null;
        var schedules = new TaskSchedules(store);
        var host = new CliHost(a.Flag("--json"), false, false);
        if (a.Flag("--dry-run"))
        {
            var plan = schedules.Plan(task, schedule, scheduler, Launcher());
            host.Emit("scheduleRegistration", plan, () => Describe(plan, dryRun: true));
            return Program.ExitDone;
        }
        var done = EnginePump.Run((events, _) => schedules.Register(task, schedule, scheduler, Launcher(), events), host, CancellationToken.None);
        host.Emit("scheduleRegistration", done, () => done.Changed
            ? $"Scheduled task '{done.TaskName}': {done.Schedule}, with {done.Scheduler}.\n  runs: {done.CommandLine}\n  files: {string.Join(", ", done.Files.Select(f => f.Path))}"
            : $"Task '{done.TaskName}' is already scheduled {done.Schedule} with {done.Scheduler}; nothing was changed.");
        return Program.ExitDone;
    }

    private static string Describe(CloneTaskScheduleRegistration plan, bool dryRun)
    {
        var lines = new List<string>
        {
            $"# Task {plan.TaskName}: {plan.Schedule}, with {plan.Scheduler} ({plan.Scope}){(dryRun ? " - dry run, nothing was written" : "")}",
            $"# Runs: {plan.CommandLine}",
        };
        foreach (var file in plan.Files)
        {
            lines.Add($"# ---- {file.Path}");
            lines.Add(file.Content.TrimEnd('\n', '\r'));
        }
        if (plan.Commands.Count > 0)
        {
            lines.Add("# ---- then:");
            lines.AddRange(plan.Commands);
        }
        return string.Join(Environment.NewLine, lines);
    }

    [GeneratedRegex(@"^([01]?\d|2[0-3]):([0-5]\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeOfDay();

    [GeneratedRegex(@"^:?([0-5]?\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex MinuteOfHour();

    /// <summary>--daily HH:MM | --hourly [--at MM] | --weekly DAYS --at HH:MM | --every AGE; none: the task's saved schedule.</summary>
    private static CloneTaskSchedule? ParseSchedule(Arguments a)
    {
        int kinds = new[] { a.Value("--daily") is not null, a.Flag("--hourly"), a.Value("--weekly") is not null, a.Value("--every") is not null }.Count(b => b);
        if (kinds > 1) throw new UsageException("Give one of --daily, --hourly, --weekly and --every.\n" + Usage);
        string? at = a.Value("--at");
        TimeSpan Time(string text, string option) => TimeOfDay().Match(text) is { Success: true } m
            ? new TimeSpan(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 0)
            : throw InvalidSchedule($"{option} takes a time of day HH:MM (00:00 to 23:59), not '{text}'.");
        if (a.Value("--daily") is { } daily)
        {
            if (at is not null) throw new UsageException("--daily takes its time itself (--daily 02:00); leave out --at.");
            return CloneTaskSchedule.Daily(Time(daily, "--daily"));
        }
        if (a.Flag("--hourly"))
        {
            if (at is null) return CloneTaskSchedule.Hourly();
            return MinuteOfHour().Match(at) is { Success: true } m ? CloneTaskSchedule.Hourly(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                : throw InvalidSchedule($"With --hourly, --at takes the minutes past the hour (0 to 59), not '{at}'.");
        }
        if (a.Value("--weekly") is { } weekly)
        {
            var days = weekly.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Day).ToArray();
            return CloneTaskSchedule.Weekly(Time(at ?? throw new UsageException("--weekly needs --at HH:MM."), "--at"), days);
        }
        if (a.Value("--every") is { } every)
        {
            if (at is not null) throw new UsageException("--every runs at a fixed interval; leave out --at.");
            return CloneTaskSchedule.Every(Age.TryParse(every, out var interval) ? interval
                : throw InvalidSchedule($"--every takes an interval such as 15m, 6h or 1d, not '{every}'."));
        }
        if (at is not null) throw new UsageException("--at goes with --hourly or --weekly.");
        return null;
    }

    private static DayOfWeek Day(string text)
    {
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            string name = day.ToString();
            if (text.Equals(name, StringComparison.OrdinalIgnoreCase) || text.Equals(name[..3], StringComparison.OrdinalIgnoreCase)) return day;
        }
        throw InvalidSchedule($"'{text}' is not a day of the week; write mon,tue,wed,thu,fri,sat,sun or full names.");
    }

    private static PSCloneException InvalidSchedule(string message) => new("InvalidSchedule", FailureKind.InvalidArgument, message);

    private static int Unschedule(Arguments a)
    {
        var store = Store(a);
        var task = store.Get(a.Positionals[0]);
        var host = new CliHost(false, false, false);
        bool removed = EnginePump.Run((events, _) => new TaskSchedules(store).Unregister(task, events), host, CancellationToken.None);
        Console.WriteLine(removed ? $"Task '{task.Name}' is no longer scheduled." : $"Task '{task.Name}' had no schedule; nothing was changed.");
        return Program.ExitDone;
    }

    // ---- export, import ------------------------------------------------------------------------

    private static int Export(Arguments a)
    {
        var task = Store(a).Get(a.Positionals[0]);
        string file = a.Positionals[1];
        if (file == "-")
        {
            var exported = task.Schedule is { } s ? task with { Schedule = s with { Scheduler = null } } : task;
            Console.Write(TaskJson.Serialize(exported));
            return Program.ExitDone;
        }
        TaskStore.Export(task, file);
        Console.WriteLine($"Exported task '{task.Name}' to {Path.GetFullPath(file)}.");
        return Program.ExitDone;
    }

    private static int Import(Arguments a)
    {
        var store = Store(a);
        var task = store.Import(a.Positionals[0], replace: a.Flag("--force"));
        new CliHost(a.Flag("--json"), false, false).Emit("task", task, () => $"Imported task '{task.Name}' ({store.PathOf(task.Name)}).");
        return Program.ExitDone;
    }

    // ---- DSC v3 -------------------------------------------------------------------------------

    /// <summary>The DSC v3 resource protocol: an instance as JSON on stdin, the state as one JSON line on
    /// stdout; messages as JSON lines on stderr ({"error": ...}, {"warn": ...}), as dsc reads them.</summary>
    private static int Dsc(Arguments a)
    {
        string operation = a.Positionals[0];
        var resource = new TaskDscResource(scope => StoreFor(a, scope), Launcher());
        var messages = new DscMessages();
        try
        {
            switch (operation)
            {
                case "schema":
                    Console.WriteLine(TaskDscResource.Schema().ToJsonString(TaskJson.Compact));
                    return Program.ExitDone;
                case "export":
                    foreach (var instance in resource.Export(a.Value("--scope") is null ? TaskScope.AllUsers : Scope(a)))
                        Console.WriteLine(instance.ToJsonString(TaskJson.Compact));
                    return Program.ExitDone;
                case "get" or "set" or "test":
                    break;
                default:
                    throw new UsageException($"task dsc takes get, set, test, export or schema, not '{operation}'.");
            }
            string input = Console.In.ReadToEnd();
            JsonObject desired;
            try
            {
                desired = JsonNode.Parse(input) as JsonObject ?? throw new PSCloneException("InvalidDscInput", FailureKind.InvalidArgument, "The input on stdin is not a JSON object.");
                _ = desired.Count; // a JsonObject reads its properties lazily: duplicates surface here
            }
            catch (JsonException ex)
            {
                throw new PSCloneException("InvalidDscInput", FailureKind.InvalidArgument, $"The input on stdin is not valid JSON: {ex.Message}", null, ex);
            }
            catch (ArgumentException ex)
            {
                throw new PSCloneException("InvalidDscInput", FailureKind.InvalidArgument, $"The input on stdin names a property twice: {ex.Message}", null, ex);
            }
            var state = operation switch
            {
                "get" => resource.Get(desired),
                "test" => resource.Test(desired),
                _ => resource.Set(desired, messages),
            };
            Console.WriteLine(state.ToJsonString(TaskJson.Compact));
            return Program.ExitDone;
        }
        catch (PSCloneException ex)
        {
            DscMessages.Write("error", $"{ex.Message} ({ex.ErrorId})");
            return ex.NothingDone ? Program.ExitRefused : Program.ExitInterrupted;
        }
        catch (UsageException ex)
        {
            DscMessages.Write("error", ex.Message);
            return Program.ExitRefused;
        }
    }

    private sealed class DscMessages : IEngineEvents
    {
        public static void Write(string level, string message) => Console.Error.WriteLine(new JsonObject { [level] = message }.ToJsonString(TaskJson.Compact));

        public void Item(object item) { }
        public void Progress(EngineProgress progress) { }
        public void Warning(string message) => Write("warn", message);
        public void Verbose(string message) => Write("debug", message);
        public void Error(EngineError error) => Write("error", error.Message);
        public bool ShouldProcess(string target, string action) => true;
    }
}
