using System.Text;

namespace PSClone.Tasks;

/// <summary>cron, where systemd is absent: a line in the user's crontab (tagged "# psclone-task:NAME"
/// so it can be found again), or a file in /etc/cron.d running as root for machine-wide tasks.
/// cron does not catch up runs missed while the machine was off.</summary>
internal sealed class CronScheduler(SchedulerEnvironment env) : SchedulerBackend(env)
{
    public override SchedulerKind Kind => SchedulerKind.Cron;

    public static string Tag(string taskName) => "# psclone-task:" + taskName;

    /// <summary>/etc/cron.d ignores file names with dots (run-parts rules), so they become '_'.</summary>
    private string CronFile(string taskName) => Path.Combine(Env.CronFolder, "psclone-" + taskName.Replace('.', '_'));

    public override void CheckAvailable(TaskScope scope)
    {
        if (OperatingSystem.IsWindows()) throw NotAvailable(Kind, "cron does not run on Windows");
        if (scope == TaskScope.AllUsers && !Directory.Exists(Env.CronFolder))
            throw NotAvailable(Kind, $"there is no '{Env.CronFolder}' folder (is cron installed?)");
    }

    /// <summary>crontab(5) command text: sh quoting, and '%' escaped (cron turns a bare one into a newline).</summary>
    public override string CommandLine(TaskCommand command) => command.ToString().Replace("%", @"\%");

    public override IReadOnlyList<ScheduleFile> Render(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope)
    {
        string when = Spec(schedule);
        if (scope == TaskScope.CurrentUser)
            return [new ScheduleFile($"crontab of {Env.UserName}", $"{when} {CommandLine(command)} {Tag(task.Name)}\n")];
        string text = new StringBuilder()
            .Append("# Written by PSClone for task ").Append(task.Name).Append(": ").Append(schedule).Append(".\n")
            .Append("SHELL=/bin/sh\n")
            .Append(when).Append(" root ").Append(CommandLine(command)).Append('\n')
            .ToString();
        return [new ScheduleFile(CronFile(task.Name), text)];
    }

    /// <summary>The five time fields. An interval must divide an hour or a day: cron counts from the
    /// top of the hour (or midnight), not from the last run.</summary>
    public static string Spec(CloneTaskSchedule schedule)
    {
        switch (schedule.Kind)
        {
            case CloneScheduleKind.Daily:
                return $"{schedule.At.Minutes} {schedule.At.Hours} * * *";
            case CloneScheduleKind.Hourly:
                return $"{schedule.At.Minutes} * * * *";
            case CloneScheduleKind.Weekly:
                return $"{schedule.At.Minutes} {schedule.At.Hours} * * {string.Join(',', schedule.DaysOfWeek.Select(d => (int)d))}";
        }
        long minutes = (long)schedule.Interval!.Value.TotalMinutes;
        if (minutes == 1) return "* * * * *";
        if (minutes < 60 && 60 % minutes == 0) return $"*/{minutes} * * * *";
        if (minutes % 60 == 0 && minutes / 60 < 24 && 24 % (minutes / 60) == 0) return minutes == 60 ? "0 * * * *" : $"0 */{minutes / 60} * * *";
        if (minutes == 24 * 60) return "0 0 * * *";
        throw new PSCloneException("InvalidSchedule", FailureKind.InvalidArgument,
            $"cron cannot run every {Age.Format(schedule.Interval.Value)}: it counts from the top of the hour or from midnight. " +
            "Choose an interval that divides an hour or a day (15m, 30m, 2h, 6h, 1d), or a daily or weekly schedule.", Age.Format(schedule.Interval.Value));
    }

    public override IReadOnlyList<string[]> LoadCommands(string taskName, TaskScope scope) =>
        scope == TaskScope.CurrentUser ? [["crontab", "-l"], ["crontab", "-"]] : [];

    public override bool Install(CloneTaskScheduleRegistration plan, IEngineEvents events)
    {
        CheckAvailable(plan.Scope);
        var file = plan.Files[0];
        if (plan.Scope == TaskScope.AllUsers)
        {
            try
            {
                return WriteIfChanged(file.Path, file.Content);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(file.Path, ex);
            }
        }
        string current = ReadCrontab();
        string updated = WithoutTask(current, plan.TaskName) + file.Content;
        if (updated == current) return false;
        Env.RunChecked("crontab", ["-"], updated);
        return true;
    }

    public override bool Uninstall(string taskName, TaskScope scope, IEngineEvents events)
    {
        if (scope == TaskScope.AllUsers)
        {
            string path = CronFile(taskName);
            if (!File.Exists(path)) return false;
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(path, ex);
            }
            return true;
        }
        string current = ReadCrontab();
        string updated = WithoutTask(current, taskName);
        if (updated == current) return false;
        Env.RunChecked("crontab", ["-"], updated);
        return true;
    }

    /// <summary>The user's crontab; empty when there is none yet (crontab -l then fails with "no crontab").</summary>
    private string ReadCrontab()
    {
        var result = Env.Run("crontab", ["-l"]);
        if (result.ExitCode == 0) return result.Output;
        if (result.Error.Contains("no crontab", StringComparison.OrdinalIgnoreCase)) return "";
        throw new PSCloneException("SchedulerCommandFailed", FailureKind.InvalidOperation,
            $"'crontab -l' failed with exit code {result.ExitCode}: {result.Error.Trim()}", "crontab");
    }

    private static string WithoutTask(string crontab, string taskName)
    {
        string tag = Tag(taskName);
        var kept = crontab.Split('\n').Where(l => !l.TrimEnd().EndsWith(tag, StringComparison.Ordinal)).ToList();
        while (kept.Count > 0 && kept[^1].Length == 0) kept.RemoveAt(kept.Count - 1);
        return kept.Count == 0 ? "" : string.Join('\n', kept) + "\n";
    }
}
