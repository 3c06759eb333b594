using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PSClone.Tasks;

/// <summary>Windows Task Scheduler: a task definition (XML, schema 1.2) under \PSClone\, registered
/// with schtasks /Create /XML. StartWhenAvailable catches up a run missed while the machine was off;
/// a second instance is not started while one runs. Machine-wide tasks run as SYSTEM; per-user ones
/// as the user, while logged on (running while logged off would need the user's password).</summary>
internal sealed class WindowsTaskScheduler(SchedulerEnvironment env) : SchedulerBackend(env)
{
    public static readonly XNamespace Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    public override SchedulerKind Kind => SchedulerKind.TaskScheduler;

    public static string TaskPath(string taskName) => @"\PSClone\" + taskName;

    public override void CheckAvailable(TaskScope scope)
    {
        if (!OperatingSystem.IsWindows()) throw NotAvailable(Kind, "Task Scheduler runs on Windows only");
    }

    public override string CommandLine(TaskCommand command) =>
        string.Join(' ', new[] { command.Executable }.Concat(command.Arguments).Select(ShellQuote.Windows));

    public override IReadOnlyList<ScheduleFile> Render(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope)
    {
        // A trigger needs a start date; the task's creation date keeps the XML the same from one registration to the next.
        var day = (task.Created == default ? Env.Now() : task.Created).ToLocalTime().Date;
        var principal = scope == TaskScope.AllUsers
            ? new XElement(Ns + "Principal", new XAttribute("id", "Author"),
                new XElement(Ns + "UserId", "S-1-5-18"),
                new XElement(Ns + "RunLevel", "HighestAvailable"))
            : new XElement(Ns + "Principal", new XAttribute("id", "Author"),
                new XElement(Ns + "UserId", Env.UserName),
                new XElement(Ns + "LogonType", "InteractiveToken"),
                new XElement(Ns + "RunLevel", "LeastPrivilege"));
        var doc = new XDocument(
            new XElement(Ns + "Task", new XAttribute("version", "1.2"),
                new XElement(Ns + "RegistrationInfo",
                    new XElement(Ns + "Author", "PSClone"),
                    new XElement(Ns + "Description", $"PSClone task {task.Name}: {schedule}."),
                    new XElement(Ns + "URI", TaskPath(task.Name))),
                new XElement(Ns + "Triggers", Trigger(schedule, day)),
                new XElement(Ns + "Principals", principal),
                new XElement(Ns + "Settings",
                    new XElement(Ns + "MultipleInstancesPolicy", "IgnoreNew"),
                    new XElement(Ns + "DisallowStartIfOnBatteries", "false"),
                    new XElement(Ns + "StopIfGoingOnBatteries", "false"),
                    new XElement(Ns + "StartWhenAvailable", "true"),
                    new XElement(Ns + "RunOnlyIfNetworkAvailable", "false"),
                    new XElement(Ns + "Enabled", "true"),
                    new XElement(Ns + "ExecutionTimeLimit", "PT72H"),
                    new XElement(Ns + "Priority", "7")),
                new XElement(Ns + "Actions", new XAttribute("Context", "Author"),
                    new XElement(Ns + "Exec",
                        new XElement(Ns + "Command", command.Executable),
                        new XElement(Ns + "Arguments", string.Join(' ', command.Arguments.Select(ShellQuote.Windows)))))));
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = Encoding.Unicode, NewLineChars = "\r\n" };
        using var text = new Utf16StringWriter();
        using (var writer = XmlWriter.Create(text, settings)) doc.Save(writer);
        return [new ScheduleFile(TaskPath(task.Name), text.ToString() + "\r\n")];
    }

    private static XElement Trigger(CloneTaskSchedule schedule, DateTime day)
    {
        string Start(TimeSpan at) => (day + at).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        XElement Repeating(TimeSpan every, TimeSpan at) => new(Ns + "TimeTrigger",
            new XElement(Ns + "Repetition", new XElement(Ns + "Interval", Duration(every)), new XElement(Ns + "StopAtDurationEnd", "false")),
            new XElement(Ns + "StartBoundary", Start(at)),
            new XElement(Ns + "Enabled", "true"));
        return schedule.Kind switch
        {
            CloneScheduleKind.Daily => new XElement(Ns + "CalendarTrigger",
                new XElement(Ns + "StartBoundary", Start(schedule.At)),
                new XElement(Ns + "Enabled", "true"),
                new XElement(Ns + "ScheduleByDay", new XElement(Ns + "DaysInterval", "1"))),
            CloneScheduleKind.Weekly => new XElement(Ns + "CalendarTrigger",
                new XElement(Ns + "StartBoundary", Start(schedule.At)),
                new XElement(Ns + "Enabled", "true"),
                new XElement(Ns + "ScheduleByWeek",
                    new XElement(Ns + "DaysOfWeek", schedule.DaysOfWeek.OrderBy(d => d).Select(d => new XElement(Ns + d.ToString()))),
                    new XElement(Ns + "WeeksInterval", "1"))),
            CloneScheduleKind.Hourly => Repeating(TimeSpan.FromHours(1), schedule.At),
            _ => Repeating(schedule.Interval!.Value, TimeSpan.Zero),
        };
    }

    /// <summary>An xs:duration: PT15M, PT6H, P1D.</summary>
    public static string Duration(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerDay == 0 ? $"P{(long)span.TotalDays}D"
        : span.Ticks % TimeSpan.TicksPerHour == 0 ? $"PT{(long)span.TotalHours}H"
        : $"PT{(long)span.TotalMinutes}M";

    public override IReadOnlyList<string[]> LoadCommands(string taskName, TaskScope scope) =>
        [["schtasks", "/Create", "/TN", TaskPath(taskName), "/XML", "<the XML above, saved as UTF-16>", "/F"]];

    public override bool Install(CloneTaskScheduleRegistration plan, IEngineEvents events)
    {
        CheckAvailable(plan.Scope);
        string xml = Path.Combine(Path.GetTempPath(), $"psclone-{Guid.NewGuid():N}.xml");
        try
        {
            // schtasks reads its XML reliably only as UTF-16 with a byte order mark.
            File.WriteAllText(xml, plan.Files[0].Content, Encoding.Unicode);
            Env.RunChecked("schtasks", ["/Create", "/TN", TaskPath(plan.TaskName), "/XML", xml, "/F"]);
        }
        finally
        {
            File.Delete(xml);
        }
        return true;
    }

    public override bool Uninstall(string taskName, TaskScope scope, IEngineEvents events)
    {
        var result = Env.Run("schtasks", ["/Delete", "/TN", TaskPath(taskName), "/F"]);
        return result.ExitCode == 0;
    }

    private sealed class Utf16StringWriter : StringWriter
    {
        public override Encoding Encoding => Encoding.Unicode;
    }
}
