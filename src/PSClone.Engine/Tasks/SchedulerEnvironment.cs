using System.Diagnostics;

namespace PSClone.Tasks;

/// <summary>Where the schedulers keep their definitions on this machine, and how their commands
/// are run. One object, so tests can point every path at a temp folder.</summary>
internal sealed record SchedulerEnvironment
{
    public required string Home { get; init; }
    public string? XdgConfigHome { get; init; }
    public required string UserName { get; init; }
    public string SystemdSystemFolder { get; init; } = "/etc/systemd/system";
    public string CronFolder { get; init; } = "/etc/cron.d";
    public string LaunchDaemonsFolder { get; init; } = "/Library/LaunchDaemons";
    public string LingerFolder { get; init; } = "/var/lib/systemd/linger";

    /// <summary>sd_booted(3): systemd is the init system when this folder exists.</summary>
    public string SystemdRuntimeFolder { get; init; } = "/run/systemd/system";

    /// <summary>A folder searched before PATH for the schedulers' commands (tests put stand-ins there).</summary>
    public string? ToolFolder { get; init; }

    /// <summary>Today, for the start date Task Scheduler triggers need.</summary>
    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.Now;

    public static SchedulerEnvironment Current() => new()
    {
        Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        XdgConfigHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"),
        UserName = Environment.UserName,
    };

    /// <summary>systemd's per-user unit folder: $XDG_CONFIG_HOME/systemd/user, or ~/.config/systemd/user.</summary>
    public string SystemdUserFolder =>
        Path.Combine(XdgConfigHome is { Length: > 0 } x && x.StartsWith('/') ? x : Path.Combine(Home, ".config"), "systemd", "user");

    public string LaunchAgentsFolder => Path.Combine(Home, "Library", "LaunchAgents");

    public SchedulerKind DefaultKind() =>
        OperatingSystem.IsWindows() ? SchedulerKind.TaskScheduler
        : OperatingSystem.IsMacOS() ? SchedulerKind.Launchd
        : Directory.Exists(SystemdRuntimeFolder) ? SchedulerKind.Systemd
        : SchedulerKind.Cron;

    /// <summary>Runs a scheduler's command (systemctl, crontab, schtasks, launchctl) and waits for it.</summary>
    public ProcessResult Run(string file, IReadOnlyList<string> args, string? input = null)
    {
        var start = new ProcessStartInfo(Resolve(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new PSCloneException("SchedulerNotAvailable", FailureKind.ResourceUnavailable,
                $"'{file}' could not be run ({ex.Message}); the scheduler it belongs to is not available here. Choose another with -Scheduler (--scheduler).", file, ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (input is not null) process.StandardInput.Write(input);
            process.StandardInput.Close();
            process.WaitForExit();
            return new ProcessResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <summary>The tool's full path from PATH (after <see cref="ToolFolder"/>). Process.Start alone would
    /// also try the current folder first, where any file of that name could stand in for the tool.</summary>
    private string Resolve(string file)
    {
        if (Path.IsPathFullyQualified(file)) return file;
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(Path.IsPathFullyQualified);
        if (ToolFolder is not null) folders = folders.Prepend(ToolFolder);
        string[] names = OperatingSystem.IsWindows() ? [file + ".exe", file] : [file];
        foreach (string folder in folders)
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new PSCloneException("SchedulerNotAvailable", FailureKind.ResourceUnavailable,
            $"'{file}' is not on PATH, so its scheduler cannot be used here. Install it, or choose another scheduler with -Scheduler (--scheduler).", file);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public string RunChecked(string file, IReadOnlyList<string> args, string? input = null)
    {
        var result = Run(file, args, input);
        if (result.ExitCode == 0) return result.Output;
        string said = (result.Error.Trim().Length > 0 ? result.Error : result.Output).Trim();
        throw new PSCloneException("SchedulerCommandFailed", FailureKind.InvalidOperation,
            $"'{string.Join(' ', new[] { file }.Concat(args).Select(ShellQuote.Posix))}' failed with exit code {result.ExitCode}: {said}", file);
    }
}

internal sealed record ProcessResult(int ExitCode, string Output, string Error);
