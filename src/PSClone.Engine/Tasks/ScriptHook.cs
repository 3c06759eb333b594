using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PSClone.Tasks;

/// <summary>Runs a task's pre- or post-script. The script gets the run as environment variables
/// (PSCLONE_*) and as a JSON file named by PSCLONE_RESULT_FILE: {"phase", "task", "run"} where
/// "run" is the history entry so far (null before the clone). How a script is started depends only
/// on its extension: .ps1 with pwsh -NoProfile -NonInteractive -File, .sh with /bin/sh,
/// .cmd/.bat with cmd.exe /d /c, anything else directly (it must be executable).</summary>
internal static class ScriptHook
{
    public static ScriptOutcome Run(string script, string phase, CloneTask task, CloneTaskRun? run, Guid runId,
        string? logPath, Action<string> output, CancellationToken cancel)
    {
        string resultFile = Path.Combine(Path.GetTempPath(), $"psclone-{runId:N}-{phase}.json");
        try
        {
            var payload = new JsonObject
            {
                ["phase"] = phase,
                ["task"] = System.Text.Json.JsonSerializer.SerializeToNode(task, TaskJson.Compact),
                ["run"] = run is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(run, TaskJson.Compact),
            };
            // In the shared temp folder, and it holds the task (a webhook URL may carry a token): owner only.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(resultFile, options);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString(TaskJson.File)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ScriptOutcome(null, false, $"its result file '{resultFile}' could not be written: {ex.Message}");
        }

        try
        {
            if (!File.Exists(script)) return new ScriptOutcome(null, false, $"the script '{script}' does not exist");
            var start = StartInfo(script);
            start.WorkingDirectory = Path.GetDirectoryName(script)!;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.RedirectStandardInput = true;
            foreach (var (key, value) in Environment(phase, task, run, runId, logPath, resultFile)) start.Environment[key] = value;

            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) output(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output(e.Data); };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                return new ScriptOutcome(null, false, $"the script '{script}' could not be started: {ex.Message} (is it executable, with a #! line?)");
            }
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = new CancellationTokenSource(task.ScriptTimeout);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel);
            try
            {
                process.WaitForExitAsync(either.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                if (cancel.IsCancellationRequested) throw;
                return new ScriptOutcome(null, true, $"the script '{script}' did not finish within {Age.Format(task.ScriptTimeout)} and was stopped");
            }
            process.WaitForExit(); // drains the output readers
            return new ScriptOutcome(process.ExitCode, false, null);
        }
        finally
        {
            try { File.Delete(resultFile); } catch (IOException) { }
        }
    }

    private static ProcessStartInfo StartInfo(string script)
    {
        string ext = Path.GetExtension(script).ToLowerInvariant();
        if (ext == ".ps1") return new ProcessStartInfo("pwsh", ["-NoProfile", "-NonInteractive", "-File", script]);
        if (ext == ".sh" && !OperatingSystem.IsWindows()) return new ProcessStartInfo("/bin/sh", [script]);
        if (ext is ".cmd" or ".bat" && OperatingSystem.IsWindows()) return new ProcessStartInfo("cmd.exe", ["/d", "/c", script]);
        return new ProcessStartInfo(script);
    }

    /// <summary>The PSCLONE_* variables: the task always; the run's outcome for the post-script.</summary>
    internal static IEnumerable<(string, string)> Environment(string phase, CloneTask task, CloneTaskRun? run, Guid runId, string? logPath, string resultFile)
    {
        yield return ("PSCLONE_PHASE", phase);
        yield return ("PSCLONE_TASK_NAME", task.Name);
        yield return ("PSCLONE_TASK_ID", task.Id.ToString());
        yield return ("PSCLONE_RUN_ID", runId.ToString());
        yield return ("PSCLONE_SOURCE", task.Source);
        yield return ("PSCLONE_DESTINATION", task.Destination);
        yield return ("PSCLONE_RESULT_FILE", resultFile);
        if (logPath is not null) yield return ("PSCLONE_LOG_FILE", logPath);
        if (run is null) yield break;
        yield return ("PSCLONE_STATUS", run.Status.ToString());
        yield return ("PSCLONE_EXIT_CODE", run.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("PSCLONE_START_TIME", run.StartTime.ToString("o"));
        yield return ("PSCLONE_ITEMS_COPIED", Num(run.ItemsCopied));
        yield return ("PSCLONE_ITEMS_UPDATED", Num(run.ItemsUpdated));
        yield return ("PSCLONE_ITEMS_ARCHIVED", Num(run.ItemsArchived));
        yield return ("PSCLONE_ITEMS_DELETED", Num(run.ItemsDeleted));
        yield return ("PSCLONE_ITEMS_FAILED", Num(run.ItemsFailed));
        yield return ("PSCLONE_BYTES_COPIED", Num(run.BytesCopied));
        yield return ("PSCLONE_ERRORS", Num(run.Errors));
        yield return ("PSCLONE_WARNINGS", Num(run.Warnings));
        if (run.Message is not null) yield return ("PSCLONE_MESSAGE", run.Message);
    }

    private static string Num(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>How a script ended: its exit code, or why it has none.</summary>
internal sealed record ScriptOutcome(int? ExitCode, bool TimedOut, string? Problem);
