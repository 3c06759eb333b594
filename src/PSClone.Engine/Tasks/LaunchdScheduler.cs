using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PSClone.Tasks;

/// <summary>launchd on macOS: a property list in ~/Library/LaunchAgents (per user, domain gui/UID)
/// or /Library/LaunchDaemons (machine-wide, domain system), loaded with launchctl bootstrap.
/// launchd runs a calendar job missed during sleep when the machine wakes.</summary>
internal sealed class LaunchdScheduler(SchedulerEnvironment env) : SchedulerBackend(env)
{
    public override SchedulerKind Kind => SchedulerKind.Launchd;

    public static string Label(string taskName) => "org.psclone.task." + taskName;

    private string PlistPath(string taskName, TaskScope scope) =>
        Path.Combine(scope == TaskScope.AllUsers ? Env.LaunchDaemonsFolder : Env.LaunchAgentsFolder, Label(taskName) + ".plist");

    /// <summary>The launchd domain as a shell would spell it (the user's id is looked up when installing).</summary>
    private static string Domain(TaskScope scope) => scope == TaskScope.AllUsers ? "system" : "gui/$(id -u)";

    public override void CheckAvailable(TaskScope scope)
    {
        if (!OperatingSystem.IsMacOS()) throw NotAvailable(Kind, "launchd runs on macOS only");
    }

    public override IReadOnlyList<ScheduleFile> Render(CloneTask task, CloneTaskSchedule schedule, TaskCommand command, TaskScope scope)
    {
        var dict = new XElement("dict",
            Key("Label"), new XElement("string", Label(task.Name)),
            Key("ProgramArguments"), new XElement("array", new[] { command.Executable }.Concat(command.Arguments).Select(a => new XElement("string", a))));
        if (command.Environment.Count > 0)
            dict.Add(Key("EnvironmentVariables"), new XElement("dict", command.Environment.SelectMany(e => new[] { Key(e.Key), new XElement("string", e.Value) })));
        if (schedule.Kind == CloneScheduleKind.Interval)
        {
            dict.Add(Key("StartInterval"), Integer((long)schedule.Interval!.Value.TotalSeconds));
        }
        else
        {
            XElement Calendar(DayOfWeek? day) => new("dict",
                day is { } d ? new[] { Key("Weekday"), Integer((int)d) } : Array.Empty<XElement>(),
                schedule.Kind == CloneScheduleKind.Hourly ? Array.Empty<XElement>() : new[] { Key("Hour"), Integer(schedule.At.Hours) },
                Key("Minute"), Integer(schedule.At.Minutes));
            dict.Add(Key("StartCalendarInterval"), schedule.Kind == CloneScheduleKind.Weekly
                ? new XElement("array", schedule.DaysOfWeek.Select(d => Calendar(d)))
                : Calendar(null));
        }
        dict.Add(
            Key("RunAtLoad"), new XElement("false"),
            Key("ProcessType"), new XElement("string", "Background"),
            Key("LowPriorityIO"), new XElement("true"));

        var doc = new XDocument(
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), dict));
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings)) doc.Save(writer);
        return [new ScheduleFile(PlistPath(task.Name, scope), Encoding.UTF8.GetString(stream.ToArray()) + "\n")];
    }

    private static XElement Key(string name) => new("key", name);

    private static XElement Integer(long value) => new("integer", value);

    public override IReadOnlyList<string[]> LoadCommands(string taskName, TaskScope scope) =>
    [
        ["launchctl", "bootout", $"{Domain(scope)}/{Label(taskName)}"],
        ["launchctl", "bootstrap", Domain(scope), PlistPath(taskName, scope)],
    ];

    public override bool Install(CloneTaskScheduleRegistration plan, IEngineEvents events)
    {
        CheckAvailable(plan.Scope);
        var file = plan.Files[0];
        bool changed;
        try
        {
            changed = WriteIfChanged(file.Path, file.Content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(file.Path, ex);
        }
        string domain = plan.Scope == TaskScope.AllUsers ? "system" : "gui/" + Env.RunChecked("id", ["-u"]).Trim();
        string target = $"{domain}/{Label(plan.TaskName)}";
        bool loaded = Env.Run("launchctl", ["print", target]).ExitCode == 0;
        if (!changed && loaded) return false;
        if (loaded) Env.Run("launchctl", ["bootout", target]);
        Env.RunChecked("launchctl", ["bootstrap", domain, file.Path]);
        return true;
    }

    public override bool Uninstall(string taskName, TaskScope scope, IEngineEvents events)
    {
        string path = PlistPath(taskName, scope);
        if (!File.Exists(path)) return false;
        string domain = scope == TaskScope.AllUsers ? "system" : "gui/" + Env.RunChecked("id", ["-u"]).Trim();
        Env.Run("launchctl", ["bootout", $"{domain}/{Label(taskName)}"]);
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
}
