namespace PSClone.Tasks;

/// <summary>What a scheduler starts to run a task: the psclone CLI (`psclone task run NAME`) or
/// pwsh (`Invoke-CloneTask`), by absolute path, never interactive.</summary>
public sealed record TaskLauncher
{
    public required TaskLauncherKind Kind { get; init; }

    /// <summary>Absolute path of psclone (or of dotnet, with psclone.dll first in <see cref="PrefixArguments"/>), or of pwsh.</summary>
    public required string Executable { get; init; }
    public IReadOnlyList<string> PrefixArguments { get; init; } = Array.Empty<string>();

    public static TaskLauncher Cli(string executable, params string[] prefixArguments) =>
        new() { Kind = TaskLauncherKind.Cli, Executable = executable, PrefixArguments = prefixArguments };

    public static TaskLauncher PowerShell(string pwsh) => new() { Kind = TaskLauncherKind.PowerShell, Executable = pwsh };

    /// <summary>The command for one task. The store is found by scope (`--scope AllUsers`), and a
    /// store that is not its scope's standard folder is pinned: PSCLONE_HOME in the job's
    /// environment, or `--store DIR` for Task Scheduler, whose actions have no environment.</summary>
    public TaskCommand CommandFor(CloneTask task, TaskStoreLocation store, SchedulerKind scheduler)
    {
        bool pin = !store.IsStandard;
        bool inArguments = pin && scheduler == SchedulerKind.TaskScheduler;
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (pin && !inArguments) environment[TaskStoreLocation.HomeVariable] = store.Root;

        if (Kind == TaskLauncherKind.Cli)
        {
            var args = new List<string>(PrefixArguments) { "task", "run", task.Name };
            if (!pin && store.Scope == TaskScope.AllUsers) args.AddRange(["--scope", "AllUsers"]);
            if (inArguments) args.AddRange(["--store", store.Root]);
            return new TaskCommand { Executable = Executable, Arguments = args, Environment = environment };
        }

        // pwsh -File needs a script file; -Command with an explicit exit carries the runs' worst exit
        // code. A terminating error (no such task, store busy) would otherwise end in exit 0: it is 2.
        string scope = !pin && store.Scope == TaskScope.AllUsers ? " -Scope AllUsers" : "";
        string home = inArguments ? $"$env:{TaskStoreLocation.HomeVariable} = {Quote(store.Root)}; " : "";
        string script = $"{home}try {{ Import-Module PSClone -ErrorAction Stop; $runs = @(Invoke-CloneTask -Name {Quote(task.Name)}{scope} -Confirm:$false) }} " +
                        "catch { Write-Error $_; exit 2 }; if ($runs.Count -eq 0) { exit 2 }; " +
                        "exit [int](($runs | Measure-Object -Property ExitCode -Maximum).Maximum)";
        return new TaskCommand
        {
            Executable = Executable,
            Arguments = ["-NoProfile", "-NonInteractive", "-Command", script],
            Environment = environment,
        };
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''") + "'";
}

public enum TaskLauncherKind
{
    Cli,
    PowerShell,
}

/// <summary>A command line as a scheduler runs it: no shell, arguments as given.</summary>
public sealed record TaskCommand
{
    public required string Executable { get; init; }
    public required IReadOnlyList<string> Arguments { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The command as a POSIX shell would take it, environment first.</summary>
    public override string ToString() =>
        string.Join(' ', Environment.Select(e => $"{e.Key}={ShellQuote.Posix(e.Value)}")
            .Concat(new[] { Executable }.Concat(Arguments).Select(ShellQuote.Posix)));
}

/// <summary>Quoting for the command lines schedulers take.</summary>
internal static class ShellQuote
{
    /// <summary>sh: bare when safe, else single quotes ('\'' for a quote inside).</summary>
    public static string Posix(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c)) ? arg : "'" + arg.Replace("'", @"'\''") + "'";

    /// <summary>Windows (CommandLineToArgvW): quotes when needed, backslashes doubled before a quote.</summary>
    public static string Windows(string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => c is ' ' or '\t' or '"')) return arg;
        var sb = new System.Text.StringBuilder("\"");
        int slashes = 0;
        foreach (char c in arg)
        {
            if (c == '\\')
            {
                slashes++;
                continue;
            }
            sb.Append('\\', c == '"' ? slashes * 2 + 1 : slashes).Append(c);
            slashes = 0;
        }
        return sb.Append('\\', slashes * 2).Append('"').ToString();
    }

    /// <summary>systemd's ExecStart= and Environment= syntax: double quotes with C escapes, '%'
    /// (specifiers) doubled, and in ExecStart= '$' (variable expansion) doubled, to stay literal.</summary>
    public static string Systemd(string arg, bool exec = true)
    {
        string escaped = arg.Replace("%", "%%");
        // Environment= assignments are always quoted, as systemd.exec(5) writes them.
        bool quote = !exec || escaped.Length == 0 || escaped.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';');
        if (exec) escaped = escaped.Replace("$", "$$");
        return quote ? "\"" + escaped.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : escaped;
    }
}
