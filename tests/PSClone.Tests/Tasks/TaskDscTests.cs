using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PSClone.Tasks;
using Xunit;

namespace PSClone.Tests.Tasks;

/// <summary>The DSC resources: the v3 command resource through psclone task dsc (driven by the
/// manifest's own arguments), and the class resource's calls checked against the cmdlet design.</summary>
public sealed class TaskDscTests : IDisposable
{
    private static readonly string ManifestPath = Path.Combine(TaskCli.RepoRoot, "module/psclone.dsc.resource.json");
    private static readonly JsonObject Manifest = JsonNode.Parse(File.ReadAllText(ManifestPath))!.AsObject();

    private readonly TaskCli _cli = new();

    public TaskDscTests() => _cli.WriteFile("src/a.txt", "alpha");

    public void Dispose() => _cli.Dispose();

    private string TaskFile => Path.Combine(_cli.Home, "tasks/Nightly.json");

    /// <summary>Runs an operation exactly as dsc would from the manifest: its executable (psclone on
    /// PATH; here the built one), its arguments, the instance on stdin.</summary>
    private CliResult Dsc(string operation, JsonObject instance)
    {
        var method = Manifest[operation]!.AsObject();
        Assert.Equal("psclone", (string?)method["executable"]);
        Assert.Equal("stdin", (string?)method["input"]);
        return _cli.RunWithInput(instance.ToJsonString(), method["args"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    private JsonObject State(string operation, JsonObject instance)
    {
        var r = Dsc(operation, instance);
        Assert.True(r.ExitCode == 0, $"{operation}: {r}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return JsonNode.Parse(Assert.Single(lines))!.AsObject();
    }

    private JsonObject Desired(string? extra = null) => JsonNode.Parse($$"""
        {
          "name": "Nightly",
          "source": "{{_cli["src"]}}",
          "destination": "{{_cli["dst"]}}/",
          "exclude": ["*.tmp", "cache/"],
          "safetyNetMinFree": "10GB",
          "safetyNetMaxAge": "30d",
          "verify": true,
          "runAfter": [{ "task": "Report", "when": "Always" }]{{extra}}
        }
        """)!.AsObject();

    [Fact]
    public void GetSetTest_Cycle_IsIdempotent()
    {
        var absent = State("get", Desired());
        Assert.Equal("Absent", (string?)absent["ensure"]);
        Assert.Equal("Nightly", (string?)absent["name"]);
        Assert.False((bool)State("test", Desired())["_inDesiredState"]!);

        var set = State("set", Desired());
        Assert.Equal("Present", (string?)set["ensure"]);
        Assert.Equal(_cli["dst"], (string?)set["destination"]);
        Assert.Equal(10L << 30, (long)set["safetyNetMinFree"]!);
        Assert.Equal("30.00:00:00", (string?)set["safetyNetMaxAge"]);
        Assert.Equal(1, (int)JsonNode.Parse(File.ReadAllText(TaskFile))!["schemaVersion"]!);

        var test = State("test", Desired());
        Assert.True((bool)test["_inDesiredState"]!);
        Assert.True(JsonNode.DeepEquals(set, State("get", Desired())));

        // Set again: same state, and the file is not written at all.
        var mtime = new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(TaskFile, mtime);
        byte[] bytes = File.ReadAllBytes(TaskFile);
        var again = State("set", Desired());
        Assert.True(JsonNode.DeepEquals(set, again));
        Assert.Equal(bytes, File.ReadAllBytes(TaskFile));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(TaskFile));

        // Only the named properties count: a smaller desired state is in desired state too.
        Assert.True((bool)State("test", JsonNode.Parse("""{ "name": "Nightly", "verify": true }""")!.AsObject())["_inDesiredState"]!);

        // A change is seen, set, and then in desired state.
        var changed = Desired(""", "checksum": true""");
        changed["exclude"] = new JsonArray("*.bak");
        Assert.False((bool)State("test", changed)["_inDesiredState"]!);
        var after = State("set", changed);
        Assert.True((bool)after["checksum"]!);
        Assert.Equal(["*.bak"], after["exclude"]!.AsArray().Select(e => (string?)e));
        Assert.True((bool)State("test", changed)["_inDesiredState"]!);
        Assert.NotEqual(bytes, File.ReadAllBytes(TaskFile));

        // Absent: removed once; a second set changes nothing.
        var gone = JsonNode.Parse("""{ "name": "Nightly", "ensure": "Absent" }""")!.AsObject();
        Assert.False((bool)State("test", gone)["_inDesiredState"]!);
        Assert.Equal("Absent", (string?)State("set", gone)["ensure"]);
        Assert.False(File.Exists(TaskFile));
        Assert.True((bool)State("test", gone)["_inDesiredState"]!);
        Assert.Equal("Absent", (string?)State("set", gone)["ensure"]);
        Assert.Equal("Absent", (string?)State("set", JsonNode.Parse("""{ "name": "Other", "_exist": false }""")!.AsObject())["ensure"]);
    }

    [Fact]
    public void Export_ListsEveryTask()
    {
        State("set", Desired());
        var export = _cli.Run(Manifest["export"]!["args"]!.AsArray().Select(a => (string)a!).ToArray());
        Assert.Equal(0, export.ExitCode);
        var instance = JsonNode.Parse(export.Stdout.Trim())!;
        Assert.Equal("Nightly", (string?)instance["name"]);
        Assert.Equal("Present", (string?)instance["ensure"]);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{ "name": "A", "name": "B" }""", "names a property twice")]
    [InlineData("""{ "source": "/a" }""", "no \\\"name\\\"")]
    [InlineData("""{ "name": "bad name" }""", "not a valid task name")]
    [InlineData("""{ "name": "Nightly", "exlude": [] }""", "\\\"exlude\\\" is not a property")]
    [InlineData("""{ "name": "Nightly", "ensure": "Maybe" }""", "Present or Absent")]
    [InlineData("""{ "name": "Nightly", "scope": "Everyone" }""", "CurrentUser or AllUsers")]
    [InlineData("""{ "name": "Nightly" }""", "it has no source")]
    [InlineData("""{ "name": "Nightly", "source": "relative", "destination": "/b" }""", "not an absolute path")]
    [InlineData("""{ "name": "Nightly", "source": "/a", "destination": "/b", "safetyNet": "Sometimes" }""", "cannot be read")]
    public void BadDesiredState_IsRefused_AsAJsonErrorLine(string input, string message)
    {
        var r = _cli.RunWithInput(input, "task", "dsc", "set");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var error = JsonNode.Parse(Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)))!;
        Assert.Contains(message.Replace("\\\"", "\""), (string)error["error"]!);
        Assert.False(Directory.Exists(Path.Combine(_cli.Home, "tasks")) && Directory.GetFiles(Path.Combine(_cli.Home, "tasks")).Length > 0);
    }

    [Fact]
    public void Schedule_IsRegisteredOnce()
    {
        string calls = _cli["calls.log"];
        _cli.Script("bin/systemctl", $"echo \"systemctl $*\" >> '{calls}'");
        _cli.Script("bin/crontab", $"echo \"crontab $*\" >> '{calls}'; if [ \"$1\" = -l ]; then cat '{_cli["crontab"]}' 2>/dev/null || {{ echo 'no crontab for ann' >&2; exit 1; }}; else cat > '{_cli["crontab"]}'; fi");
        _cli.Environment["PATH"] = _cli["bin"] + ":" + Environment.GetEnvironmentVariable("PATH");
        _cli.Environment["XDG_CONFIG_HOME"] = _cli["config"];
        // CurrentUser: the machine-wide default would write /etc/cron.d or /etc/systemd/system.
        var desired = Desired(""", "scope": "CurrentUser", "schedule": { "kind": "Daily", "at": "02:30:00" }""");

        Assert.False((bool)State("test", desired)["_inDesiredState"]!);
        var set = State("set", desired);
        Assert.Equal("Daily", (string?)set["schedule"]!["kind"]);
        Assert.NotNull((string?)set["schedule"]!["scheduler"]);
        int callsAfterFirst = File.ReadAllLines(calls).Length;
        Assert.True((bool)State("test", desired)["_inDesiredState"]!);
        State("set", desired);
        Assert.Equal(callsAfterFirst, File.ReadAllLines(calls).Length);

        var unscheduled = State("set", Desired(""", "scope": "CurrentUser", "schedule": null"""));
        Assert.Null(unscheduled["schedule"]);
    }

    [Fact]
    public void Manifest_MatchesTheCliAndTheModule()
    {
        Assert.Equal("https://aka.ms/dsc/schemas/v3/bundled/resource/manifest.json", (string?)Manifest["$schema"]);
        Assert.Equal("PSClone/CloneTask", (string?)Manifest["type"]);
        string psd1 = File.ReadAllText(Path.Combine(TaskCli.RepoRoot, "PSClone.psd1"));
        Assert.Equal(Regex.Match(psd1, @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value, (string?)Manifest["version"]);
        Assert.All(Manifest["tags"]!.AsArray(), t => Assert.Matches(@"^\w+$", (string)t!));
        foreach (string op in new[] { "get", "set", "test", "export" })
            Assert.Equal(["task", "dsc", op], Manifest[op]!["args"]!.AsArray().Select(a => (string?)a));

        // The embedded schema is the one the CLI generates, and covers every property an instance has.
        var generated = JsonNode.Parse(_cli.Run("task", "dsc", "schema").Stdout)!;
        var embedded = Manifest["schema"]!["embedded"]!;
        Assert.True(JsonNode.DeepEquals(generated, embedded), "module/psclone.dsc.resource.json embeds an outdated schema: paste the output of 'psclone task dsc schema'");
        var properties = embedded["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.Subset(properties, TaskDscResource.PropertyNames.ToHashSet());
        State("set", Desired());
        Assert.Subset(properties, State("test", Desired()).Select(p => p.Key).ToHashSet());
    }

    /// <summary>The class resource may call only the cmdlets and parameters docs/tasks-design.md
    /// specifies for the cmdlet work, so it runs unchanged once they exist.</summary>
    [Fact]
    public void ClassResource_CallsOnlyTheDesignedCmdletsAndParameters()
    {
        var designed = TaskDesign.CmdletParameters();
        Assert.Equal(11, designed.Count);

        string psm1 = File.ReadAllText(Path.Combine(TaskCli.RepoRoot, "module/PSClone.Dsc.psm1"));
        Assert.Contains("[DscResource()]\nclass PSCloneTask {", psm1.Replace("\r\n", "\n"));
        Assert.Contains("[DscProperty(Key)] [string] $Name", psm1);

        var calls = Regex.Matches(psm1, @"\b((?:New|Get|Set|Remove|Invoke|Test|Register|Unregister|Export|Import)-CloneTask\w*)\b([^\n|]*)");
        Assert.True(calls.Count >= 6);
        var used = new HashSet<string>();
        foreach (Match call in calls)
        {
            string cmdlet = call.Groups[1].Value;
            Assert.True(designed.ContainsKey(cmdlet), $"{cmdlet} is not in the design");
            used.Add(cmdlet);
            foreach (Match p in Regex.Matches(call.Groups[2].Value, @"(?<=\s)-([A-Za-z]+)"))
            {
                if (p.Groups[1].Value is "ErrorAction") continue;
                Assert.True(designed[cmdlet].Contains(p.Groups[1].Value), $"{cmdlet} has no parameter -{p.Groups[1].Value} in the design");
            }
        }
        Assert.Superset(new HashSet<string> { "Get-CloneTask", "New-CloneTask", "Set-CloneTask", "Remove-CloneTask", "Register-CloneTaskSchedule", "Unregister-CloneTaskSchedule" }, used);

        // Splatted parameters: the keys of the hashtables the class builds for New/Set-CloneTask and Register-CloneTaskSchedule.
        string TaskParameters = Regex.Match(psm1, @"hidden \[hashtable\] TaskParameters\(\) \{(.*?)\n    \}", RegexOptions.Singleline).Groups[1].Value;
        var keys = Regex.Matches(TaskParameters, @"\$p\['(\w+)'\]").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.True(keys.Count >= 20);
        Assert.Subset(designed["New-CloneTask"], keys);
        Assert.Subset(designed["Set-CloneTask"], keys);
        Assert.Subset(designed["Set-CloneTask"], new HashSet<string> { "Source", "Destination" });
        string scheduleParameters = Regex.Match(psm1, @"hidden \[hashtable\] ScheduleParameters\(\) \{(.*?)\n    \}", RegexOptions.Singleline).Groups[1].Value;
        var scheduleKeys = Regex.Matches(scheduleParameters, @"(\w+) = ").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(["At", "Daily", "DaysOfWeek", "Hourly", "Interval", "Weekly"], scheduleKeys.Order());
        Assert.Subset(designed["Register-CloneTaskSchedule"], scheduleKeys);

        string psd1 = File.ReadAllText(Path.Combine(TaskCli.RepoRoot, "PSClone.psd1"));
        Assert.Matches(@"NestedModules\s*=\s*@\('PSClone\.Dsc\.psm1'\)", psd1);
        Assert.Matches(@"DscResourcesToExport\s*=\s*@\('PSCloneTask'\)", psd1);
    }
}
