using System.Runtime.InteropServices;

namespace PSClone.Tasks;

/// <summary>Where a task store lives. Layout under <see cref="Root"/>: tasks/NAME.json (one file per
/// task), history/ID.jsonl (one JSON line per run), logs/NAME/*.log (one audit log per run), and
/// .lock (held while the store is written).</summary>
public sealed record TaskStoreLocation
{
    /// <summary>The environment variable that overrides the store root for both scopes.</summary>
    public const string HomeVariable = "PSCLONE_HOME";

    public required string Root { get; init; }
    public required TaskScope Scope { get; init; }

    /// <summary>True when the root is the scope's standard folder, the one a scheduled run finds
    /// without any environment of its own (no PSCLONE_HOME, no XDG_CONFIG_HOME).</summary>
    public bool IsStandard { get; init; }

    public string TasksFolder => Path.Combine(Root, "tasks");
    public string HistoryFolder => Path.Combine(Root, "history");
    public string LogsFolder => Path.Combine(Root, "logs");
    public string LockFile => Path.Combine(Root, ".lock");

    /// <summary>The store of a scope on this machine: PSCLONE_HOME when set, else the scope's folder.</summary>
    public static TaskStoreLocation For(TaskScope scope) =>
        Resolve(scope, Environment.GetEnvironmentVariable, CurrentPlatform(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>A store in an explicit folder (the CLI's --store).</summary>
    public static TaskStoreLocation At(string root, TaskScope scope = TaskScope.CurrentUser) =>
        new() { Root = Path.GetFullPath(root), Scope = scope, IsStandard = false };

    internal static OSPlatform CurrentPlatform() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? OSPlatform.Windows
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? OSPlatform.OSX
        : OSPlatform.Linux;

    /// <summary>The resolution rules, apart from the process, so every platform's answer is testable.</summary>
    internal static TaskStoreLocation Resolve(TaskScope scope, Func<string, string?> env, OSPlatform os, string home)
    {
        string? overridden = env(HomeVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
            return new TaskStoreLocation { Root = Path.GetFullPath(overridden), Scope = scope, IsStandard = false };

        string standard = StandardRoot(scope, env, os, home, withXdg: false);
        string root = StandardRoot(scope, env, os, home, withXdg: true);
        return new TaskStoreLocation { Root = root, Scope = scope, IsStandard = root == standard };
    }

    private static string StandardRoot(TaskScope scope, Func<string, string?> env, OSPlatform os, string home, bool withXdg)
    {
        if (os == OSPlatform.Windows)
        {
            string? folder = scope == TaskScope.AllUsers ? env("ProgramData") : env("APPDATA");
            folder ??= scope == TaskScope.AllUsers ? @"C:\ProgramData" : home.TrimEnd('\\') + @"\AppData\Roaming";
            // Joined by hand: the rules are also checked on other platforms, where Path.Combine uses '/'.
            return folder.TrimEnd('\\') + @"\PSClone";
        }
        if (os == OSPlatform.OSX)
        {
            return scope == TaskScope.AllUsers
                ? "/Library/Application Support/PSClone"
                : Path.Combine(home, "Library", "Application Support", "PSClone");
        }
        if (scope == TaskScope.AllUsers) return "/etc/psclone";
        // XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and is ignored.
        string? xdg = withXdg ? env("XDG_CONFIG_HOME") : null;
        string config = !string.IsNullOrEmpty(xdg) && xdg.StartsWith('/') ? xdg : Path.Combine(home, ".config");
        return Path.Combine(config, "psclone");
    }
}
