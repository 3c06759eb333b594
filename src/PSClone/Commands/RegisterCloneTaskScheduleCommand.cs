using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>Register-CloneTaskSchedule: installs a task in the platform scheduler (systemd or cron,
/// Task Scheduler, launchd), running this PowerShell's pwsh non-interactively. -WhatIf shows every
/// file it would write, in full.</summary>
[Cmdlet(VerbsLifecycle.Register, "CloneTaskSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SavedSet)]
[OutputType(typeof(CloneTaskScheduleRegistration))]
public sealed class RegisterCloneTaskScheduleCommand : CloneTaskCmdlet
{
    private const string DailySet = "Daily";
    private const string HourlySet = "Hourly";
    private const string WeeklySet = "Weekly";
    private const string IntervalSet = "Interval";
    private const string SavedSet = "Saved";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = DailySet)]
    public SwitchParameter Daily { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = HourlySet)]
    public SwitchParameter Hourly { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = WeeklySet)]
    public SwitchParameter Weekly { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IntervalSet)]
    [AgeTransformation]
    public TimeSpan Interval { get; set; }

    /// <summary>Daily and Weekly: the time of day. Hourly: only its minutes count.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DailySet)]
    [Parameter(ParameterSetName = HourlySet)]
    [Parameter(Mandatory = true, ParameterSetName = WeeklySet)]
    public DateTime At { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = WeeklySet)]
    public DayOfWeek[] DaysOfWeek { get; set; } = Array.Empty<DayOfWeek>();

    /// <summary>The scheduler to use; by default where the task is registered, else the platform's.
    /// Named in every set, so the default set (the task's saved schedule) exists.</summary>
    [Parameter(ParameterSetName = SavedSet)]
    [Parameter(ParameterSetName = DailySet)]
    [Parameter(ParameterSetName = HourlySet)]
    [Parameter(ParameterSetName = WeeklySet)]
    [Parameter(ParameterSetName = IntervalSet)]
    public SchedulerKind Scheduler { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        if (!TryRunEngine((_, _) => store.Get(Name), out var task)) return;
        var schedule = ParameterSetName switch
        {
            DailySet => CloneTaskSchedule.Daily(At.TimeOfDay),
            HourlySet => CloneTaskSchedule.Hourly(MyInvocation.BoundParameters.ContainsKey(nameof(At)) ? At.Minute : 0),
            WeeklySet => CloneTaskSchedule.Weekly(At.TimeOfDay, DaysOfWeek),
            IntervalSet => CloneTaskSchedule.Every(Interval),
            _ => null, // the task's saved schedule
        };
        SchedulerKind? scheduler = MyInvocation.BoundParameters.ContainsKey(nameof(Scheduler)) ? Scheduler : null;
        var launcher = TaskLauncher.PowerShell(PowerShellPath());
        var schedules = new TaskSchedules(store);
        if (!TryRunEngine((_, _) => schedules.Plan(task, schedule, scheduler, launcher), out var plan)) return;

        // One question per file, whose text is the file: -WhatIf shows exactly what would be written.
        bool whatIf = IsWhatIf(), approved = true;
        foreach (var file in plan.Files)
        {
            approved &= ShouldProcess(file.Path, file.Content);
            if (!approved && !whatIf) return;
        }
        if (plan.Commands.Count > 0) approved &= ShouldProcess(plan.Scheduler.ToString(), string.Join(Environment.NewLine, plan.Commands));
        if (!approved) return;
        if (TryRunEngine((events, _) => schedules.Register(task, schedule, scheduler, launcher, events), out var done, confirmed: true) && PassThru)
            WriteObject(done);
    }

    /// <summary>The pwsh of this PowerShell, by full path: a scheduled run has no PATH to search.</summary>
    private string PowerShellPath()
    {
        string home = SessionState.PSVariable.GetValue("PSHOME") as string ?? AppContext.BaseDirectory;
        string pwsh = System.IO.Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (!File.Exists(pwsh)) ThrowTerminatingError(Errors.PowerShellNotFound(pwsh));
        return pwsh;
    }
}
