using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PSClone.Cloning;

namespace PSClone.Tasks;

/// <summary>What makes a task valid. A task name becomes a file name, a systemd unit name, a
/// Task Scheduler path and a launchd label, so it keeps to characters all of them take as is.</summary>
public static partial class TaskRules
{
    public const int MaxNameLength = 64;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex WindowsDeviceName();

    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && NamePattern().IsMatch(name) && !name.EndsWith('.')
        && !WindowsDeviceName().IsMatch(name.Split('.')[0]);

    public static void CheckName(string? name)
    {
        if (IsValidName(name)) return;
        throw new PSCloneException("InvalidTaskName", FailureKind.InvalidArgument,
            $"'{name}' is not a valid task name. Use 1 to {MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit " +
            "(not ending with '.', and not a Windows device name such as CON or NUL), for example Nightly or Photos-NAS.", name);
    }

    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>PowerShell-style wildcards (*, ?, [abc]), case-insensitive.</summary>
    public static Func<string, bool> NameMatcher(string pattern)
    {
        if (!HasWildcards(pattern)) return name => string.Equals(name, pattern, StringComparison.OrdinalIgnoreCase);
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            int close = c == '[' ? pattern.IndexOf(']', i + 1) : -1;
            if (c == '*') regex.Append(".*");
            else if (c == '?') regex.Append('.');
            else if (close > i + 1)
            {
                regex.Append('[').Append(pattern[(i + 1)..close].Replace(@"\", @"\\")).Append(']');
                i = close;
            }
            else regex.Append(Regex.Escape(c.ToString()));
        }
        var compiled = new Regex(regex.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return compiled.IsMatch;
    }

    /// <summary>The id of a hand-written task file without one: stable for its name.</summary>
    public static Guid IdFromName(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("psclone-task:" + name.ToUpperInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>A full path without a trailing separator, as tasks store them.</summary>
    public static string NormalizePath(string path) => ClonePaths.Normalize(path);

    /// <summary>The task with its (absolute) paths in one spelling: "/data/", "/data/." and "/data" are one folder.</summary>
    public static CloneTask Normalize(CloneTask task)
    {
        static string? Clean(string? path) => path is not null && Path.IsPathFullyQualified(path) ? NormalizePath(path) : path;
        return task with
        {
            Source = Clean(task.Source)!,
            Destination = Clean(task.Destination)!,
            FilterFile = Clean(task.FilterFile),
            PreScript = Clean(task.PreScript),
            PostScript = Clean(task.PostScript),
        };
    }

    /// <summary>Checks everything a task file or a host can get wrong, naming the setting and the fix.</summary>
    public static void Validate(CloneTask task)
    {
        CheckName(task.Name);
        CheckPath(task, task.Source, "source");
        CheckPath(task, task.Destination, "destination");
        if (task.FilterFile is not null && !Path.IsPathFullyQualified(task.FilterFile))
            throw Bad(task, "InvalidTaskPath", $"the filter file '{task.FilterFile}' is not an absolute path; scheduled runs have no current folder, so give the full path");
        try
        {
            CloneEngine.ValidateOptions(task.ToRequest());
            _ = new PathFilter(task.Include, task.Exclude, null);
        }
        catch (PSCloneException ex)
        {
            throw new PSCloneException(ex.ErrorId, ex.Kind, $"Task '{task.Name}': {ex.Message}", task.Name, ex);
        }
        foreach (var (script, what) in new[] { (task.PreScript, "pre-script"), (task.PostScript, "post-script") })
        {
            if (script is not null && !Path.IsPathFullyQualified(script))
                throw Bad(task, "InvalidTaskPath", $"the {what} '{script}' is not an absolute path; give the full path of the script");
        }
        if (task.ScriptTimeout <= TimeSpan.Zero)
            throw Bad(task, "InvalidScriptTimeout", $"the script timeout must be positive, not {task.ScriptTimeout}");
        foreach (var link in task.RunAfter)
        {
            if (!IsValidName(link.Task))
                throw Bad(task, "InvalidTaskName", $"RunAfter names '{link.Task}', which is not a valid task name");
            if (string.Equals(link.Task, task.Name, StringComparison.OrdinalIgnoreCase))
                throw Bad(task, "RunAfterCycle", "a task cannot run after itself; remove it from RunAfter");
        }
        if (task.Notification is { } n)
        {
            if (!Uri.TryCreate(n.Webhook, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw Bad(task, "InvalidWebhook", $"the webhook '{n.Webhook}' is not an absolute http:// or https:// URL");
            if (n.Timeout <= TimeSpan.Zero || n.Timeout > TimeSpan.FromMinutes(10))
                throw Bad(task, "InvalidWebhook", $"the webhook timeout must be between 0 and 10 minutes, not {n.Timeout}");
        }
        if (task.Retention is { } r)
        {
            int?[] keeps = [r.KeepLast, r.KeepDaily, r.KeepWeekly, r.KeepMonthly];
            if (keeps.Any(k => k is < 1))
                throw Bad(task, "InvalidRetention", "retention counts must be 1 or more (leave a rule out to not use it)");
            if (keeps.All(k => k is null))
                throw Bad(task, "InvalidRetention", "a retention policy needs at least one of keepLast, keepDaily, keepWeekly, keepMonthly");
        }
        if (task.Schedule is { } s) CheckSchedule(s, task.Name);
    }

    public static void CheckSchedule(CloneTaskSchedule s, string? taskName = null)
    {
        string? problem = s.Kind switch
        {
            CloneScheduleKind.Daily or CloneScheduleKind.Weekly when s.At < TimeSpan.Zero || s.At >= TimeSpan.FromDays(1) || s.At.Ticks % TimeSpan.TicksPerMinute != 0 =>
                $"the time of day {s.At} is not a whole minute between 00:00 and 23:59",
            CloneScheduleKind.Hourly when s.At < TimeSpan.Zero || s.At >= TimeSpan.FromHours(1) || s.At.Ticks % TimeSpan.TicksPerMinute != 0 =>
                $"an hourly schedule runs at a whole minute past the hour (0 to 59), not {s.At}",
            CloneScheduleKind.Weekly when s.DaysOfWeek.Count == 0 => "a weekly schedule needs at least one day of the week",
            CloneScheduleKind.Weekly when s.DaysOfWeek.Distinct().Count() != s.DaysOfWeek.Count => "a day of the week is listed twice",
            CloneScheduleKind.Interval when s.Interval is not { } i || i < TimeSpan.FromMinutes(1) || i > TimeSpan.FromDays(31) || i.Ticks % TimeSpan.TicksPerMinute != 0 =>
                $"an interval must be whole minutes from 1 minute to 31 days, not {(s.Interval is { } iv ? Age.Format(iv) : "missing")}",
            _ when !Enum.IsDefined(s.Kind) => $"'{s.Kind}' is not a schedule kind (Daily, Hourly, Weekly, Interval)",
            _ => null,
        };
        if (problem is null) return;
        throw new PSCloneException("InvalidSchedule", FailureKind.InvalidArgument,
            taskName is null ? $"Invalid schedule: {problem}." : $"Task '{taskName}' has an invalid schedule: {problem}.", taskName);
    }

    private static void CheckPath(CloneTask task, string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw Bad(task, "InvalidTaskPath", $"it has no {what}; give the folder's full path");
        if (!Path.IsPathFullyQualified(path))
            throw Bad(task, "InvalidTaskPath", $"the {what} '{path}' is not an absolute path; scheduled runs have no current folder, so give the full path");
    }

    private static PSCloneException Bad(CloneTask task, string id, string why) =>
        new(id, FailureKind.InvalidArgument, $"Task '{task.Name}': {why}.", task.Name);
}
