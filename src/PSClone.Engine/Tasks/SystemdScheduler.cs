using System.Globalization;
using System.Text;

namespace PSClone.Tasks;

/// <summary>A systemd service (Type=oneshot, runs the task) and timer (when). Calendar timers are
/// Persistent=true, so a run missed while the machine was off happens at the next boot. Per-user
/// units go to ~/.config/systemd/user (systemctl --user), machine-wide ones to /etc/systemd/system.</summary>
internal sealed class SystemdScheduler(SchedulerEnvironment env) : SchedulerBackend(env)
{
    public override SchedulerKind Kind => SchedulerKind.Systemd;

    public static string UnitName(string taskName) => "psclone-" + taskName;

    private string Folder(TaskScope scope) => scope == TaskScope.AllUsers ? Env.SystemdSystemFolder : Env.SystemdUserFolder;

    private static string[] Systemctl(TaskScope scope, params string[] args) =>
        scope == TaskScope.CurrentUser ? ["systemctl", "--user", .. args] : ["systemctl", .. args];

    public override void CheckAvailable(TaskScope scope)
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) throw NotAvailable(Kind, "systemd runs on Linux only");
    }

    public override string CommandLine(TaskCommand command) =>
        string.Join(' ', new[] { command.Executable }.Concat(command.Arguments).Select(a => ShellQuote.Systemd(a)));

    public override IReadOnlyList<ScheduleFile> Render(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope)
    {
        string unit = UnitName(task.Name);
        var service = new StringBuilder()
            .Append("# Written by PSClone for task ").Append(task.Name).Append(". Change it with Register-CloneTaskSchedule or psclone task schedule.\n")
            .Append("[Unit]\n")
            .Append("Description=PSClone task ").Append(task.Name).Append('\n');
        // A destination on a network share needs the network; a user manager has no such target.
        if (scope == TaskScope.AllUsers) service.Append("Wants=network-online.target\nAfter=network-online.target\n");
        service.Append("\n[Service]\nType=oneshot\n");
        foreach (var (key, value) in command.Environment)
            service.Append("Environment=").Append(ShellQuote.Systemd($"{key}={value}", exec: false)).Append('\n');
        service.Append("ExecStart=").Append(CommandLine(command)).Append('\n')
            .Append("Nice=10\nIOSchedulingClass=best-effort\nIOSchedulingPriority=7\n");

        var timer = new StringBuilder()
            .Append("# Written by PSClone for task ").Append(task.Name).Append(".\n")
            .Append("[Unit]\n")
            .Append("Description=Schedule of PSClone task ").Append(task.Name).Append(": ").Append(schedule).Append('\n')
            .Append("\n[Timer]\n");
        if (schedule.Kind == CloneScheduleKind.Interval)
        {
            // Monotonic: first run one interval after the timer starts, then one interval after each run began.
            string span = ((long)schedule.Interval!.Value.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "min";
            timer.Append("OnActiveSec=").Append(span).Append('\n').Append("OnUnitActiveSec=").Append(span).Append('\n');
        }
        else
        {
            timer.Append("OnCalendar=").Append(OnCalendar(schedule)).Append('\n').Append("Persistent=true\n");
        }
        timer.Append("Unit=").Append(unit).Append(".service\n")
            .Append("\n[Install]\nWantedBy=timers.target\n");

        string folder = Folder(scope);
        return
        [
            new ScheduleFile(Path.Combine(folder, unit + ".service"), service.ToString()),
            new ScheduleFile(Path.Combine(folder, unit + ".timer"), timer.ToString()),
        ];
    }

    /// <summary>systemd.time(7) calendar events, local time.</summary>
    public static string OnCalendar(CloneTaskSchedule schedule) => schedule.Kind switch
    {
        CloneScheduleKind.Daily => $"*-*-* {TimeOfDay(schedule.At)}:00",
        CloneScheduleKind.Hourly => $"*-*-* *:{schedule.At.Minutes:00}:00",
        CloneScheduleKind.Weekly => $"{string.Join(',', schedule.DaysOfWeek.Select(d => d.ToString()[..3]))} *-*-* {TimeOfDay(schedule.At)}:00",
        _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule.Kind, "not a calendar schedule"),
    };

    public override IReadOnlyList<string[]> LoadCommands(string taskName, TaskScope scope) =>
    [
        Systemctl(scope, "daemon-reload"),
        Systemctl(scope, "enable", "--now", UnitName(taskName) + ".timer"),
    ];

    public override bool Install(CloneTaskScheduleRegistration plan, IEngineEvents events)
    {
        CheckAvailable(plan.Scope);
        bool changed = false;
        foreach (var file in plan.Files)
        {
            try
            {
                changed |= WriteIfChanged(file.Path, file.Content);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(file.Path, ex);
            }
        }
        var commands = LoadCommands(plan.TaskName, plan.Scope);
        if (changed) Env.RunChecked(commands[0][0], commands[0][1..]);
        // enable --now is idempotent: it links and starts the timer only when it is not yet.
        Env.RunChecked(commands[1][0], commands[1][1..]);
        if (plan.Scope == TaskScope.CurrentUser && !File.Exists(Path.Combine(Env.LingerFolder, Env.UserName)))
            events.Warning($"systemd runs your timers only while you are logged in. To run task '{plan.TaskName}' at any time, run: loginctl enable-linger {Env.UserName}");
        return changed;
    }

    public override bool Uninstall(string taskName, TaskScope scope, IEngineEvents events)
    {
        string unit = UnitName(taskName);
        string folder = Folder(scope);
        string[] files = [Path.Combine(folder, unit + ".timer"), Path.Combine(folder, unit + ".service")];
        if (!files.Any(File.Exists)) return false;
        var disable = Systemctl(scope, "disable", "--now", unit + ".timer");
        var result = Env.Run(disable[0], disable[1..]);
        if (result.ExitCode != 0) events.Warning($"'{string.Join(' ', disable)}' said: {result.Error.Trim()}");
        foreach (string file in files)
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(file, ex);
            }
        }
        var reload = Systemctl(scope, "daemon-reload");
        Env.RunChecked(reload[0], reload[1..]);
        return true;
    }
}
