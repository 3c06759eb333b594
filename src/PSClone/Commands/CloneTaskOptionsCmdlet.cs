using System.Management.Automation;
using PSClone.Tasks;

namespace PSClone.Commands;

/// <summary>The options of a saved task, for New-CloneTask and Set-CloneTask: the clone options
/// (shared with Invoke-Clone) and the task's own (description, chained tasks, scripts, webhook,
/// retention), applied the same way: only the parameters given change the task.</summary>
public abstract class CloneTaskOptionsCmdlet : CloneOptionsCmdlet
{
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Tasks to run next after a run that completed; replaces the task's links of that kind.</summary>
    [Parameter]
    public string[]? RunAfter { get; set; }

    /// <summary>Tasks to run next after every run; replaces the task's links of that kind.</summary>
    [Parameter]
    public string[]? RunAfterAlways { get; set; }

    [Parameter]
    public string? PreScript { get; set; }

    [Parameter]
    public string? PostScript { get; set; }

    [Parameter]
    [AgeTransformation]
    public TimeSpan ScriptTimeout { get; set; }

    [Parameter]
    public Uri? Webhook { get; set; }

    [Parameter]
    public NotifyOn WebhookOn { get; set; }

    [Parameter]
    [AgeTransformation]
    public TimeSpan WebhookTimeout { get; set; }

    [Parameter]
    public int? KeepLast { get; set; }

    [Parameter]
    public int? KeepDaily { get; set; }

    [Parameter]
    public int? KeepWeekly { get; set; }

    [Parameter]
    public int? KeepMonthly { get; set; }

    /// <summary>The task store: the user's own (default) or the machine-wide one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public TaskScope Scope { get; set; }

    protected TaskStore Store => TaskStore.Open(Scope);

    /// <summary>What this command does to a task: the given options set, paths made absolute (a
    /// scheduled run has no current folder). As <see cref="CloneOptionsChange"/>, everything is read
    /// now, so the store can apply the change under its lock to the task as it is then.</summary>
    protected Func<CloneTask, CloneTask> TaskChange(string? source, string? destination)
    {
        var given = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        var cloneOptions = CloneOptionsChange();
        string? Script(string? path, string name) => string.IsNullOrEmpty(path) ? null : ResolveFileSystemPath(path, name);
        string? preScript = Script(PreScript, nameof(PreScript)), postScript = Script(PostScript, nameof(PostScript));
        return task =>
        {
            task = task.WithRequest(cloneOptions(task.ToRequest() with { Source = source ?? task.Source, Destination = destination ?? task.Destination }));
            if (given.Contains(nameof(Description))) task = task with { Description = string.IsNullOrEmpty(Description) ? null : Description };
            if (given.Contains(nameof(RunAfter)) || given.Contains(nameof(RunAfterAlways))) task = task with { RunAfter = Links(task.RunAfter, given) };
            if (given.Contains(nameof(PreScript))) task = task with { PreScript = preScript };
            if (given.Contains(nameof(PostScript))) task = task with { PostScript = postScript };
            if (given.Contains(nameof(ScriptTimeout))) task = task with { ScriptTimeout = ScriptTimeout };
            task = task with { Notification = Notification(task, given) };
            return task with { Retention = Retention(task.Retention, given) };
        };
    }

    /// <summary>Tasks run after a success first, in the order given, then those run always.</summary>
    private CloneTaskLink[] Links(IReadOnlyList<CloneTaskLink> current, HashSet<string> given)
    {
        IEnumerable<CloneTaskLink> Kind(RunAfterCondition when, string parameter, string[]? names) =>
            given.Contains(parameter)
                ? (names ?? Array.Empty<string>()).Select(n => new CloneTaskLink { Task = n, When = when })
                : current.Where(l => l.When == when);
        return Kind(RunAfterCondition.Success, nameof(RunAfter), RunAfter)
            .Concat(Kind(RunAfterCondition.Always, nameof(RunAfterAlways), RunAfterAlways))
            .ToArray();
    }

    private CloneTaskNotification? Notification(CloneTask task, HashSet<string> given)
    {
        bool webhook = given.Contains(nameof(Webhook)), on = given.Contains(nameof(WebhookOn)), timeout = given.Contains(nameof(WebhookTimeout));
        var current = task.Notification;
        if (webhook && Webhook is null) return null;
        if (!webhook && !on && !timeout) return current;
        if (!webhook && current is null)
            throw new PSCloneException("InvalidWebhook", FailureKind.InvalidArgument,
                $"Task '{task.Name}' has no webhook: -WebhookOn and -WebhookTimeout need -Webhook URL too.", task.Name);
        var n = current ?? new CloneTaskNotification { Webhook = "" };
        return n with
        {
            Webhook = webhook ? Webhook!.OriginalString : n.Webhook,
            On = on ? WebhookOn : n.On,
            Timeout = timeout ? WebhookTimeout : n.Timeout,
        };
    }

    /// <summary>A retention rule given as $null is dropped; a policy left without rules is none.</summary>
    private CloneTaskRetention? Retention(CloneTaskRetention? current, HashSet<string> given)
    {
        var r = current ?? new CloneTaskRetention();
        r = r with
        {
            KeepLast = given.Contains(nameof(KeepLast)) ? KeepLast : r.KeepLast,
            KeepDaily = given.Contains(nameof(KeepDaily)) ? KeepDaily : r.KeepDaily,
            KeepWeekly = given.Contains(nameof(KeepWeekly)) ? KeepWeekly : r.KeepWeekly,
            KeepMonthly = given.Contains(nameof(KeepMonthly)) ? KeepMonthly : r.KeepMonthly,
        };
        return r is { KeepLast: null, KeepDaily: null, KeepWeekly: null, KeepMonthly: null } ? null : r;
    }
}
