namespace PSClone.Tasks;

/// <summary>One platform scheduler: renders a task's schedule into its own files, installs them
/// (writing only what differs), and removes them. Plan and Install share the rendering, so a dry
/// run shows exactly what a registration writes and runs.</summary>
internal abstract class SchedulerBackend(SchedulerEnvironment env)
{
    protected SchedulerEnvironment Env { get; } = env;

    public abstract SchedulerKind Kind { get; }

    /// <summary>Throws SchedulerNotAvailable when this scheduler cannot be used here.</summary>
    public abstract void CheckAvailable(TaskScope scope);

    public abstract IReadOnlyList<ScheduleFile> Render(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope);

    /// <summary>The commands that load the files, as argv arrays.</summary>
    public abstract IReadOnlyList<string[]> LoadCommands(string taskName, TaskScope scope);

    /// <summary>How the scheduler itself would write the command line.</summary>
    public virtual string CommandLine(TaskCommand command) => command.ToString();

    /// <summary>Writes what differs and loads it; false when everything was in place.</summary>
    public abstract bool Install(CloneTaskScheduleRegistration plan, IEngineEvents events);

    /// <summary>Removes the task's schedule; false when there was none.</summary>
    public abstract bool Uninstall(string taskName, TaskScope scope, IEngineEvents events);

    public CloneTaskScheduleRegistration Plan(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope) => new()
    {
        TaskName = task.Name,
        Scheduler = Kind,
        Scope = scope,
        Schedule = schedule with { Scheduler = Kind },
        CommandLine = CommandLine(command),
        Files = Render(task, schedule, command, scope),
        Commands = LoadCommands(task.Name, scope).Select(c => string.Join(' ', c.Select(a => a.Contains("$(", StringComparison.Ordinal) ? $"\"{a}\"" : ShellQuote.Posix(a)))).ToArray(),
    };

    /// <summary>Writes a file unless it already holds exactly this text.</summary>
    protected static bool WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        TaskStore.WriteAtomic(path, new System.Text.UTF8Encoding(false).GetBytes(content));
        return true;
    }

    protected static PSCloneException NotAvailable(SchedulerKind kind, string why) =>
        new("SchedulerNotAvailable", FailureKind.ResourceUnavailable,
            $"The {kind} scheduler cannot be used here: {why}. Choose another with -Scheduler (--scheduler), or use -WhatIf (--dry-run) to see its files.", kind.ToString());

    protected static PSCloneException WriteFailed(string path, Exception ex) =>
        new("ScheduleWriteFailed", ex is UnauthorizedAccessException ? FailureKind.PermissionDenied : FailureKind.WriteError,
            $"The schedule file '{path}' could not be written: {ex.Message}" + (ex is UnauthorizedAccessException ? " Machine-wide schedules need an elevated session." : ""), path, ex);

    protected static string TimeOfDay(TimeSpan at) => $"{at.Hours:00}:{at.Minutes:00}";
}
