using System.Reflection;
using System.Runtime.InteropServices;

namespace PSClone.Cli;

/// <summary>The `psclone` host: binds arguments to engine requests, prints results, maps exit codes
/// (0 done, 1 some items failed, 2 bad input or refused, 3 interrupted or destination failed).</summary>
internal static class Program
{
    public const int ExitDone = 0;
    public const int ExitItemsFailed = 1;
    public const int ExitRefused = 2;
    public const int ExitInterrupted = 3;

    private const string Help = """
        psclone - incremental clones with a SafetyNet

        usage:
          psclone clone SOURCE DEST [options]       make DEST match SOURCE
          psclone verify SOURCE DEST [--checksum]   compare; exit 0 identical, 1 differences
          psclone safetynet list DEST               what the SafetyNet keeps
          psclone safetynet restore DEST --path GLOB [--to DIR]
          psclone safetynet prune DEST [--min-free SIZE] [--max-age AGE] [--max-size SIZE] [--all]
          psclone task new|list|show|set|remove|run|history|test|schedule|unschedule|export|import|dsc ...
          psclone image COMMAND ...                 backup images: new, snapshots, ls, restore, forget, compact,
                                                    resize, compress, verify, passwd, backup-device, restore-device
                                                    (a clone into an image makes a snapshot: psclone clone SOURCE IMAGE)
          psclone --version

        Run "psclone COMMAND --help" for a command's options.
        Exit codes: 0 done, 1 some items failed, 2 bad input or refused, 3 interrupted or destination failed.
        """;

    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            cancel.Cancel();
        });
        bool json = args.Contains("--json");
        try
        {
            return Dispatch(args, cancel.Token);
        }
        catch (UsageException ex)
        {
            if (json) new CliHost(json: true, listItems: false, quiet: true).Fatal("InvalidArguments", nameof(FailureKind.InvalidArgument), ex.Message, null);
            else Console.Error.WriteLine("psclone: " + ex.Message);
            return ExitRefused;
        }
        catch (PSCloneException ex)
        {
            new CliHost(json, listItems: false, quiet: true).Fatal(ex.ErrorId, ex.Kind.ToString(), ex.Message, ex.Target);
            return ex.NothingDone ? ExitRefused : ExitInterrupted;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("psclone: interrupted.");
            return ExitInterrupted;
        }
    }

    private static int Dispatch(string[] args, CancellationToken cancel)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Help);
            return args.Length == 0 ? ExitRefused : ExitDone;
        }
        if (args[0] is "--version" or "version")
        {
            Console.WriteLine("psclone " + typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]);
            return ExitDone;
        }
        var rest = args.Skip(1).ToArray();
        return args[0] switch
        {
            "clone" => CloneCommands.Clone(rest, cancel),
            "verify" => CloneCommands.Verify(rest, cancel),
            "safetynet" => SafetyNetCommands.Run(rest, cancel),
            "task" => TaskCommands.Run(rest, cancel),
            "image" => ImageCommands.Run(rest, cancel),
            _ => throw new UsageException($"Unknown command '{args[0]}'.\n{Help}"),
        };
    }

    /// <summary>"--help" anywhere prints the command's usage instead of running it.</summary>
    public static bool WantsHelp(IReadOnlyList<string> args, string usage)
    {
        if (!args.Contains("--help") && !args.Contains("-h")) return false;
        Console.WriteLine(usage);
        return true;
    }

    public static int ExitCodeFor(CloneStatus status) => status switch
    {
        CloneStatus.Success or CloneStatus.CompletedWithWarnings or CloneStatus.Skipped => ExitDone,
        CloneStatus.CompletedWithErrors => ExitItemsFailed,
        _ => ExitInterrupted,
    };
}
