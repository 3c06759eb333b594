using System.Diagnostics;
using System.Xml.Linq;
using PSClone.Tasks;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Tasks;

public sealed class TaskScheduleTests : IDisposable
{
    private readonly TempDir _dir = new("sched");
    private readonly TaskStore _store;
    private readonly SchedulerEnvironment _env;
    private readonly string _psclone;

    public TaskScheduleTests()
    {
        _store = new TaskStore(TaskStoreLocation.At(_dir["home with space"]));
        _env = new SchedulerEnvironment
        {
            Home = _dir["user"],
            UserName = "ann",
            SystemdSystemFolder = _dir["etc/systemd/system"],
            CronFolder = _dir["etc/cron.d"],
            LaunchDaemonsFolder = _dir["Library/LaunchDaemons"],
            LingerFolder = _dir["linger"],
            ToolFolder = _dir["bin"],
            Now = () => new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero),
        };
        Directory.CreateDirectory(_dir["bin"]);
        Directory.CreateDirectory(_dir["etc/cron.d"]);
        // The psclone the units run must exist and be executable for systemd-analyze verify.
        _psclone = Tool("psclone", "exit 0");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A stand-in command in the tool folder that logs its arguments (and stdin) and runs <paramref name="body"/>.</summary>
    private string Tool(string name, string body)
    {
        string path = Path.Combine(_dir["bin"], name);
        File.WriteAllText(path, $"#!/bin/sh\necho \"{name} $*\" >> '{_dir["calls.log"]}'\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string[] Calls() => File.Exists(_dir["calls.log"]) ? File.ReadAllLines(_dir["calls.log"]) : [];

    private CloneTask Add(string name = "Nightly", TaskStore? store = null) =>
        (store ?? _store).Add(new CloneTask { Name = name, Source = "/srv/data", Destination = "/mnt/backup/data" });

    private TaskSchedules Schedules(TaskStore? store = null) => new(store ?? _store, _env);

    private TaskLauncher Launcher => TaskLauncher.Cli(_psclone);

    public static TheoryData<string, string> Schedules_() => new()
    {
        { "daily", "OnCalendar=*-*-* 02:00:00" },
        { "hourly", "OnCalendar=*-*-* *:15:00" },
        { "weekly", "OnCalendar=Mon,Thu *-*-* 22:30:00" },
        { "every", "OnActiveSec=90min\nOnUnitActiveSec=90min" },
    };

    private static CloneTaskSchedule Parse(string kind) => kind switch
    {
        "daily" => CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)),
        "hourly" => CloneTaskSchedule.Hourly(15),
        "weekly" => CloneTaskSchedule.Weekly(new TimeSpan(22, 30, 0), DayOfWeek.Monday, DayOfWeek.Thursday),
        _ => CloneTaskSchedule.Every(TimeSpan.FromMinutes(90)),
    };

    [Theory]
    [MemberData(nameof(Schedules_))]
    public void Systemd_UnitsAreExact(string kind, string timing)
    {
        var task = Add();
        var plan = Schedules().Plan(task, Parse(kind), SchedulerKind.Systemd, Launcher);

        string folder = Path.Combine(_dir["user"], ".config/systemd/user");
        Assert.Equal([Path.Combine(folder, "psclone-Nightly.service"), Path.Combine(folder, "psclone-Nightly.timer")], plan.Files.Select(f => f.Path));
        string service = plan.Files[0].Content, timer = plan.Files[1].Content;
        Assert.Contains("\n[Service]\nType=oneshot\n", service);
        Assert.Contains($"\nEnvironment=\"PSCLONE_HOME={_store.Location.Root}\"\n", service);
        Assert.Contains($"\nExecStart={_psclone} task run Nightly\n", service);
        Assert.Contains("\n" + timing + "\n", timer);
        Assert.Equal(kind != "every", timer.Contains("\nPersistent=true\n"));
        Assert.Contains("\nUnit=psclone-Nightly.service\n", timer);
        Assert.Contains("\n[Install]\nWantedBy=timers.target\n", timer);
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now psclone-Nightly.timer"], plan.Commands);
        Assert.Equal($"{_psclone} task run Nightly", plan.CommandLine);
    }

    [ToolTheory("systemd-analyze")]
    [MemberData(nameof(Schedules_))]
    public void Systemd_UnitsPassSystemdAnalyzeVerify(string kind, string timing)
    {
        var plan = Schedules().Plan(Add(), Parse(kind), SchedulerKind.Systemd, Launcher);
        Assert.Contains(timing, plan.Files[1].Content);
        Verify(plan, user: true);
    }

    private CloneTaskScheduleRegistration MachineWidePlan()
    {
        var allUsers = new TaskStore(TaskStoreLocation.At(_dir["store %h $HOME"], TaskScope.AllUsers));
        var task = Add("Nightly.NAS", allUsers);
        return Schedules(allUsers).Plan(task, CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)), SchedulerKind.Systemd, Launcher);
    }

    [ToolFact("systemd-analyze")]
    public void Systemd_MachineWideUnits_PassSystemdAnalyzeVerify() => Verify(MachineWidePlan(), user: false);

    [Fact]
    public void Systemd_MachineWideUnits_RunForAllUsersScope_AndQuoteSpecialCharacters()
    {
        var plan = MachineWidePlan();

        Assert.All(plan.Files, f => Assert.StartsWith(_dir["etc/systemd/system"], f.Path));
        string service = plan.Files[0].Content;
        Assert.Contains("\nWants=network-online.target\nAfter=network-online.target\n", service);
        // '%' is a specifier and '$' a variable reference unless doubled.
        Assert.Contains($"\nEnvironment=\"PSCLONE_HOME={_dir["store %%h $HOME"]}\"\n", service);
        Assert.Equal(["systemctl daemon-reload", "systemctl enable --now psclone-Nightly.NAS.timer"], plan.Commands);
    }

    /// <summary>systemd's own parser: it exits non-zero on fatal errors, and prints a line for every setting it ignores.</summary>
    private void Verify(CloneTaskScheduleRegistration plan, bool user)
    {
        string analyze = Requirements.Find("systemd-analyze")!;
        string folder = _dir["verify-" + Guid.NewGuid().ToString("N")[..6]];
        Directory.CreateDirectory(folder);
        var files = plan.Files.Select(f =>
        {
            string path = Path.Combine(folder, Path.GetFileName(f.Path));
            File.WriteAllText(path, f.Content);
            return path;
        }).ToList();
        var start = new ProcessStartInfo(analyze) { RedirectStandardError = true, RedirectStandardOutput = true };
        if (user)
        {
            start.ArgumentList.Add("--user");
            Directory.CreateDirectory(_dir["runtime"]);
            File.SetUnixFileMode(_dir["runtime"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            start.Environment["XDG_RUNTIME_DIR"] = _dir["runtime"];
        }
        start.ArgumentList.Add("verify");
        foreach (var f in files) start.ArgumentList.Add(f);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && output.Trim() == "", $"systemd-analyze verify exit {p.ExitCode}:\n{output}");
    }

    [Fact]
    public void Systemd_Register_WritesOnceThenNothing_AndUnregisterRemoves()
    {
        Tool("systemctl", "exit 0");
        var task = Add();
        var events = new RecordingEvents();
        var schedules = Schedules();
        var first = schedules.Register(task, CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)), SchedulerKind.Systemd, Launcher, events);
        Assert.True(first.Changed);
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now psclone-Nightly.timer"], Calls());
        Assert.All(first.Files, f => Assert.Equal(f.Content, File.ReadAllText(f.Path)));
        Assert.Equal(SchedulerKind.Systemd, _store.Get("Nightly").Schedule!.Scheduler);
        Assert.Contains(events.Warnings, w => w.Contains("loginctl enable-linger ann"));

        var mtime = File.GetLastWriteTimeUtc(first.Files[0].Path);
        var second = schedules.Register(task, null, null, Launcher, new RecordingEvents());
        Assert.False(second.Changed);
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(first.Files[0].Path));
        Assert.Equal("systemctl --user enable --now psclone-Nightly.timer", Calls()[^1]);
        Assert.Equal(3, Calls().Length);

        Assert.True(schedules.Unregister(task, new RecordingEvents()));
        Assert.All(first.Files, f => Assert.False(File.Exists(f.Path)));
        Assert.Equal(["systemctl --user disable --now psclone-Nightly.timer", "systemctl --user daemon-reload"], Calls()[3..]);
        Assert.Null(_store.Get("Nightly").Schedule);
        Assert.False(schedules.Unregister(task, new RecordingEvents()));
    }

    [Fact]
    public void SystemctlFailure_IsReportedWithItsMessage()
    {
        Tool("systemctl", "echo 'Failed to connect to bus' >&2; exit 1");
        var task = Add();
        var ex = Assert.Throws<PSCloneException>(() => Schedules().Register(task, CloneTaskSchedule.Hourly(), SchedulerKind.Systemd, Launcher, new RecordingEvents()));
        Assert.Equal("SchedulerCommandFailed", ex.ErrorId);
        Assert.Contains("Failed to connect to bus", ex.Message);
        Assert.Null(_store.Get("Nightly").Schedule);
    }

    [Theory]
    [InlineData("daily", "0 2 * * *")]
    [InlineData("hourly", "15 * * * *")]
    [InlineData("weekly", "30 22 * * 1,4")]
    public void Cron_Spec(string kind, string expected) => Assert.Equal(expected, CronScheduler.Spec(Parse(kind)));

    [Theory]
    [InlineData(1, "* * * * *")]
    [InlineData(15, "*/15 * * * *")]
    [InlineData(60, "0 * * * *")]
    [InlineData(360, "0 */6 * * *")]
    [InlineData(1440, "0 0 * * *")]
    [InlineData(90, null)]
    [InlineData(420, null)]
    public void Cron_Intervals_MustDivideAnHourOrADay(int minutes, string? expected)
    {
        var schedule = CloneTaskSchedule.Every(TimeSpan.FromMinutes(minutes));
        if (expected is null) Assert.Equal("InvalidSchedule", Assert.Throws<PSCloneException>(() => CronScheduler.Spec(schedule)).ErrorId);
        else Assert.Equal(expected, CronScheduler.Spec(schedule));
    }

    [Fact]
    public void Cron_UserCrontab_KeepsOtherLines_AndIsIdempotent()
    {
        File.WriteAllText(_dir["crontab"], "MAILTO=ann\n5 4 * * * /usr/bin/other-job\n");
        Tool("crontab", $"if [ \"$1\" = -l ]; then cat '{_dir["crontab"]}'; else cat > '{_dir["crontab"]}'; fi");
        var task = Add();
        var schedules = Schedules();
        var plan = schedules.Register(task, CloneTaskSchedule.Daily(new TimeSpan(2, 0, 0)), SchedulerKind.Cron, Launcher, new RecordingEvents());

        string line = $"0 2 * * * PSCLONE_HOME='{_store.Location.Root}' {_psclone} task run Nightly # psclone-task:Nightly";
        Assert.Equal("crontab of ann", plan.Files[0].Path);
        Assert.Equal(line + "\n", plan.Files[0].Content);
        Assert.Equal($"MAILTO=ann\n5 4 * * * /usr/bin/other-job\n{line}\n", File.ReadAllText(_dir["crontab"]));

        Assert.False(schedules.Register(task, null, null, Launcher, new RecordingEvents()).Changed);
        Assert.Equal(["crontab -l", "crontab -", "crontab -l"], Calls());

        schedules.Register(task, CloneTaskSchedule.Hourly(), null, Launcher, new RecordingEvents());
        Assert.Equal($"MAILTO=ann\n5 4 * * * /usr/bin/other-job\n0 * * * * PSCLONE_HOME='{_store.Location.Root}' {_psclone} task run Nightly # psclone-task:Nightly\n",
            File.ReadAllText(_dir["crontab"]));
        Assert.True(schedules.Unregister(task, new RecordingEvents()));
        Assert.Equal("MAILTO=ann\n5 4 * * * /usr/bin/other-job\n", File.ReadAllText(_dir["crontab"]));
    }

    [Fact]
    public void Cron_MachineWide_IsAFileInCronD_RunningAsRoot()
    {
        var allUsers = new TaskStore(TaskStoreLocation.At(_dir["sys"], TaskScope.AllUsers));
        var task = Add("Photos.NAS", allUsers);
        var plan = Schedules(allUsers).Register(task, CloneTaskSchedule.Weekly(new TimeSpan(3, 5, 0), DayOfWeek.Sunday), SchedulerKind.Cron, Launcher, new RecordingEvents());
        string file = _dir["etc/cron.d/psclone-Photos_NAS"];
        Assert.Equal(file, plan.Files[0].Path);
        Assert.Equal($"5 3 * * 0 root PSCLONE_HOME={_dir["sys"]} {_psclone} task run Photos.NAS", File.ReadAllLines(file)[2]);
        Assert.Equal("SHELL=/bin/sh", File.ReadAllLines(file)[1]);
        Assert.Empty(plan.Commands);
        Assert.True(Schedules(allUsers).Unregister(task, new RecordingEvents()));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void StandardStores_RunWithoutEnvironment_AndMachineWideOnesNameTheirScope()
    {
        var task = Add();
        var standardUser = new TaskStoreLocation { Root = "/home/ann/.config/psclone", Scope = TaskScope.CurrentUser, IsStandard = true };
        var standardMachine = standardUser with { Root = "/etc/psclone", Scope = TaskScope.AllUsers };

        var user = TaskLauncher.Cli("/usr/bin/psclone").CommandFor(task, standardUser, SchedulerKind.Systemd);
        Assert.Equal("/usr/bin/psclone task run Nightly", user.ToString());
        Assert.Empty(user.Environment);
        var machine = TaskLauncher.Cli("/usr/bin/psclone").CommandFor(task, standardMachine, SchedulerKind.Cron);
        Assert.Equal("/usr/bin/psclone task run Nightly --scope AllUsers", machine.ToString());
        // Task Scheduler actions have no environment: a pinned store travels as --store.
        var windows = TaskLauncher.Cli(@"C:\Program Files\PSClone\psclone.exe").CommandFor(task, TaskStoreLocation.At("/pinned"), SchedulerKind.TaskScheduler);
        Assert.Equal(["task", "run", "Nightly", "--store", "/pinned"], windows.Arguments);
        Assert.Empty(windows.Environment);
        // dotnet psclone.dll: the dll comes first.
        var viaDotnet = TaskLauncher.Cli("/usr/bin/dotnet", "/opt/psclone/psclone.dll").CommandFor(task, standardUser, SchedulerKind.Cron);
        Assert.Equal("/usr/bin/dotnet /opt/psclone/psclone.dll task run Nightly", viaDotnet.ToString());
        var pwsh = TaskLauncher.PowerShell("/usr/bin/pwsh").CommandFor(task with { Name = "Ann's" }, standardMachine, SchedulerKind.Systemd);
        Assert.Equal(["-NoProfile", "-NonInteractive", "-Command"], pwsh.Arguments.Take(3));
        Assert.Equal("try { Import-Module PSClone -ErrorAction Stop; $runs = @(Invoke-CloneTask -Name 'Ann''s' -Scope AllUsers -Confirm:$false) } " +
            "catch { Write-Error $_; exit 2 }; if ($runs.Count -eq 0) { exit 2 }; exit [int](($runs | Measure-Object -Property ExitCode -Maximum).Maximum)",
            pwsh.Arguments[3]);
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("hourly")]
    [InlineData("weekly")]
    [InlineData("every")]
    public void TaskScheduler_XmlIsAValidDefinition(string kind)
    {
        var machine = new TaskStore(TaskStoreLocation.At(_dir["machine"], TaskScope.AllUsers));
        var task = Add("Nightly", machine);
        var launcher = TaskLauncher.Cli(@"C:\Program Files\PSClone\psclone.exe");
        var plan = Schedules(machine).Plan(task, Parse(kind), SchedulerKind.TaskScheduler, launcher);

        Assert.Equal(@"\PSClone\Nightly", plan.Files[0].Path);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-16\"?>", plan.Files[0].Content);
        var doc = XDocument.Parse(plan.Files[0].Content);
        XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        var root = doc.Root!;
        Assert.Equal(ns + "Task", root.Name);
        Assert.Equal("1.2", (string?)root.Attribute("version"));
        Assert.Equal(@"\PSClone\Nightly", (string?)root.Element(ns + "RegistrationInfo")!.Element(ns + "URI"));
        var exec = root.Element(ns + "Actions")!.Element(ns + "Exec")!;
        Assert.Equal(@"C:\Program Files\PSClone\psclone.exe", (string?)exec.Element(ns + "Command"));
        Assert.Equal($"task run Nightly --store {_dir["machine"]}", (string?)exec.Element(ns + "Arguments"));
        var principal = root.Element(ns + "Principals")!.Element(ns + "Principal")!;
        Assert.Equal("S-1-5-18", (string?)principal.Element(ns + "UserId"));
        var settings = root.Element(ns + "Settings")!;
        Assert.Equal("true", (string?)settings.Element(ns + "StartWhenAvailable"));
        Assert.Equal("IgnoreNew", (string?)settings.Element(ns + "MultipleInstancesPolicy"));

        var trigger = root.Element(ns + "Triggers")!.Elements().Single();
        string day = task.Created.ToLocalTime().ToString("yyyy-MM-dd");
        switch (kind)
        {
            case "daily":
                Assert.Equal("CalendarTrigger", trigger.Name.LocalName);
                Assert.Equal($"{day}T02:00:00", (string?)trigger.Element(ns + "StartBoundary"));
                Assert.Equal("1", (string?)trigger.Element(ns + "ScheduleByDay")!.Element(ns + "DaysInterval"));
                break;
            case "weekly":
                Assert.Equal($"{day}T22:30:00", (string?)trigger.Element(ns + "StartBoundary"));
                var week = trigger.Element(ns + "ScheduleByWeek")!;
                Assert.Equal(["Monday", "Thursday"], week.Element(ns + "DaysOfWeek")!.Elements().Select(e => e.Name.LocalName));
                Assert.Equal("1", (string?)week.Element(ns + "WeeksInterval"));
                break;
            case "hourly":
                Assert.Equal("TimeTrigger", trigger.Name.LocalName);
                Assert.Equal($"{day}T00:15:00", (string?)trigger.Element(ns + "StartBoundary"));
                Assert.Equal("PT1H", (string?)trigger.Element(ns + "Repetition")!.Element(ns + "Interval"));
                break;
            default:
                Assert.Equal("PT90M", (string?)trigger.Element(ns + "Repetition")!.Element(ns + "Interval"));
                break;
        }
        Assert.Equal("SchedulerNotAvailable",
            Assert.Throws<PSCloneException>(() => Schedules(machine).Register(task, Parse(kind), SchedulerKind.TaskScheduler, launcher, new RecordingEvents())).ErrorId);
    }

    [Fact]
    public void TaskScheduler_PerUserTask_RunsAsTheUserWhenLoggedOn_AndQuotesArguments()
    {
        var task = Add("Nightly");
        var plan = Schedules().Plan(task, CloneTaskSchedule.Daily(TimeSpan.Zero), SchedulerKind.TaskScheduler, TaskLauncher.Cli(@"C:\psclone.exe"));
        XNamespace ns = WindowsTaskScheduler.Ns;
        var doc = XDocument.Parse(plan.Files[0].Content);
        var principal = doc.Root!.Element(ns + "Principals")!.Element(ns + "Principal")!;
        Assert.Equal("ann", (string?)principal.Element(ns + "UserId"));
        Assert.Equal("InteractiveToken", (string?)principal.Element(ns + "LogonType"));
        Assert.Equal($"task run Nightly --store \"{_dir["home with space"]}\"", (string?)doc.Root!.Element(ns + "Actions")!.Element(ns + "Exec")!.Element(ns + "Arguments"));
        Assert.Equal(@"a\\\""b", ShellQuote.Windows(@"a\""b")[1..^1]);
        Assert.Equal(@"""C:\dir with space\\""", ShellQuote.Windows(@"C:\dir with space\"));
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("hourly")]
    [InlineData("weekly")]
    [InlineData("every")]
    public void Launchd_PlistIsAValidPropertyList(string kind)
    {
        var task = Add();
        var plan = Schedules().Plan(task, Parse(kind), SchedulerKind.Launchd, TaskLauncher.Cli("/usr/local/bin/psclone"));
        Assert.Equal(Path.Combine(_dir["user"], "Library/LaunchAgents/org.psclone.task.Nightly.plist"), plan.Files[0].Path);
        string text = plan.Files[0].Content;
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n", text);

        var plist = (Dictionary<string, object>)Plist(XDocument.Parse(text).Root!.Elements().Single());
        Assert.Equal("org.psclone.task.Nightly", plist["Label"]);
        Assert.Equal(new object[] { "/usr/local/bin/psclone", "task", "run", "Nightly" }, (object[])plist["ProgramArguments"]);
        Assert.Equal(_store.Location.Root, ((Dictionary<string, object>)plist["EnvironmentVariables"])["PSCLONE_HOME"]);
        Assert.Equal(false, plist["RunAtLoad"]);
        switch (kind)
        {
            case "daily":
                Assert.Equal(new Dictionary<string, object> { ["Hour"] = 2L, ["Minute"] = 0L }, plist["StartCalendarInterval"]);
                break;
            case "hourly":
                Assert.Equal(new Dictionary<string, object> { ["Minute"] = 15L }, plist["StartCalendarInterval"]);
                break;
            case "weekly":
                var days = (object[])plist["StartCalendarInterval"];
                Assert.Equal(new Dictionary<string, object> { ["Weekday"] = 1L, ["Hour"] = 22L, ["Minute"] = 30L }, days[0]);
                Assert.Equal(new Dictionary<string, object> { ["Weekday"] = 4L, ["Hour"] = 22L, ["Minute"] = 30L }, days[1]);
                break;
            default:
                Assert.Equal(5400L, plist["StartInterval"]);
                Assert.False(plist.ContainsKey("StartCalendarInterval"));
                break;
        }
        Assert.Equal(["launchctl bootout \"gui/$(id -u)/org.psclone.task.Nightly\"", $"launchctl bootstrap \"gui/$(id -u)\" {plan.Files[0].Path}"], plan.Commands);
    }

    /// <summary>A property list element as .NET values, checking the element names plist(5) allows.</summary>
    private static object Plist(XElement e) => e.Name.LocalName switch
    {
        "dict" => e.Elements().Chunk(2).ToDictionary(p => { Assert.Equal("key", p[0].Name.LocalName); return p[0].Value; }, p => Plist(p[1])),
        "array" => e.Elements().Select(Plist).ToArray(),
        "string" => e.Value,
        "integer" => long.Parse(e.Value),
        "true" => true,
        "false" => false,
        var other => throw new Xunit.Sdk.XunitException($"<{other}> is not a plist element"),
    };

    [Theory]
    [InlineData("Daily", 25.0 * 60, null)]
    [InlineData("Daily", 90.5, null)]
    [InlineData("Hourly", 61.0, null)]
    [InlineData("Weekly", 60.0, "none")]
    [InlineData("Interval", 0.0, null)]
    [InlineData("Interval", null, "40d")]
    public void InvalidSchedules_AreRefused(string kind, double? atMinutes, string? extra)
    {
        var schedule = new CloneTaskSchedule
        {
            Kind = Enum.Parse<CloneScheduleKind>(kind),
            At = TimeSpan.FromMinutes(atMinutes ?? 0),
            Interval = kind == "Interval" ? (extra is null ? TimeSpan.FromMinutes(atMinutes ?? 0) : TimeSpan.FromDays(40)) : null,
            DaysOfWeek = kind == "Weekly" && extra == "none" ? [] : [DayOfWeek.Monday],
        };
        var task = Add();
        var ex = Assert.Throws<PSCloneException>(() => Schedules().Plan(task, schedule, SchedulerKind.Systemd, Launcher));
        Assert.Equal("InvalidSchedule", ex.ErrorId);
        Assert.Equal("NoSchedule", Assert.Throws<PSCloneException>(() => Schedules().Plan(task, null, null, Launcher)).ErrorId);
    }
}
