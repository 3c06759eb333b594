namespace PSClone.Tasks;

/// <summary>Registers tasks with the platform scheduler (systemd or cron on Linux, Task Scheduler on
/// Windows, launchd on macOS) and removes them. The task remembers its schedule and where it is
/// registered. Any scheduler's files can be previewed on any platform; installing needs that platform.</summary>
public sealed class TaskSchedules
{
    private readonly TaskStore _store;
    private readonly SchedulerEnvironment _env;

    public TaskSchedules(TaskStore store)
        : this(store, SchedulerEnvironment.Current())
    {
    }

    internal TaskSchedules(TaskStore store, SchedulerEnvironment env)
    {
        _store = store;
        _env = env;
    }

    /// <summary>The scheduler used when none is named: systemd where it is the init system, else cron,
    /// on Linux; Task Scheduler on Windows; launchd on macOS.</summary>
    public SchedulerKind DefaultScheduler => _env.DefaultKind();

    private SchedulerBackend Backend(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Systemd => new SystemdScheduler(_env),
        SchedulerKind.Cron => new CronScheduler(_env),
        SchedulerKind.TaskScheduler => new WindowsTaskScheduler(_env),
        SchedulerKind.Launchd => new LaunchdScheduler(_env),
        _ => throw new PSCloneException("InvalidScheduler", FailureKind.InvalidArgument, $"'{kind}' is not a scheduler.", kind.ToString()),
    };

    /// <summary>The exact files and commands a registration would write and run; changes nothing.
    /// <paramref name="schedule"/> null: the task's saved schedule. <paramref name="scheduler"/>
    /// null: where the task is registered, else the default.</summary>
    public CloneTaskScheduleRegistration Plan(CloneTask task, CloneTaskSchedule? schedule, SchedulerKind? scheduler, TaskLauncher launcher)
    {
        var (when, kind) = Choose(task, schedule, scheduler);
        var backend = Backend(kind);
        return backend.Plan(task, when, launcher.CommandFor(task, _store.Location, kind), _store.Location.Scope);
    }

    /// <summary>Installs the task's schedule and saves it with the task. Idempotent: what is already
    /// in place is not written again (Changed is then false). A task registered with another
    /// scheduler is removed from it first.</summary>
    public CloneTaskScheduleRegistration Register(CloneTask task, CloneTaskSchedule? schedule, SchedulerKind? scheduler, TaskLauncher launcher,
        IEngineEvents events)
    {
        task = _store.Refresh(task);
        var plan = Plan(task, schedule, scheduler, launcher);
        var backend = Backend(plan.Scheduler);
        backend.CheckAvailable(plan.Scope);
        bool changed = false;
        if (task.Schedule is { Scheduler: { } old } && old != plan.Scheduler)
        {
            events.Verbose($"Removing task '{task.Name}' from {old} before registering it with {plan.Scheduler}.");
            changed |= Backend(old).Uninstall(task.Name, plan.Scope, events);
        }
        changed |= backend.Install(plan, events);
        changed |= _store.Update(task.Name, t => t with { Schedule = plan.Schedule }).Changed;
        return plan with { Changed = changed };
    }

    /// <summary>Removes the task from its scheduler and clears its schedule; false when it had none.</summary>
    public bool Unregister(CloneTask task, IEngineEvents events)
    {
        task = _store.Refresh(task);
        bool removed = false;
        if (task.Schedule is { Scheduler: { } kind }) removed = Backend(kind).Uninstall(task.Name, _store.Location.Scope, events);
        bool cleared = task.Schedule is not null && _store.Update(task.Name, t => t with { Schedule = null }).Changed;
        return removed || cleared;
    }

    /// <summary>Removes a task: first its schedule (a timer left behind would run a task that is gone), then the task.</summary>
    public void RemoveTask(CloneTask task, IEngineEvents events)
    {
        if (task.Schedule is { Scheduler: not null })
        {
            try
            {
                Unregister(task, events);
            }
            catch (PSCloneException ex)
            {
                events.Warning($"The schedule of task '{task.Name}' could not be removed ({ex.Message}); remove it from {task.Schedule.Scheduler} by hand.");
            }
        }
        _store.Remove(task.Name);
    }

    private (CloneTaskSchedule, SchedulerKind) Choose(CloneTask task, CloneTaskSchedule? schedule, SchedulerKind? scheduler)
    {
        var when = schedule ?? task.Schedule
            ?? throw new PSCloneException("NoSchedule", FailureKind.InvalidArgument,
                $"Task '{task.Name}' has no saved schedule. Say when it runs: -Daily -At 02:00, -Hourly, -Weekly -DaysOfWeek Monday -At 02:00, or -Interval 6h " +
                "(psclone task schedule NAME --daily 02:00 | --hourly | --weekly mon,thu --at 02:00 | --every 6h).", task.Name);
        when = when with { Scheduler = null };
        TaskRules.CheckSchedule(when, task.Name);
        var kind = scheduler ?? task.Schedule?.Scheduler ?? DefaultScheduler;
        return (when, kind);
    }
}
