using System.Text.Json;
using System.Text.Json.Nodes;

namespace PSClone.Tasks;

/// <summary>The DSC v3 resource "PSClone/CloneTask" (psclone task dsc get|set|test|export). An
/// instance is a task file's JSON (camelCase: name, source, destination, safetyNet, exclude, ...)
/// plus "ensure" (Present or Absent, default Present) and "scope" (CurrentUser or AllUsers, default
/// AllUsers: DSC configures machines). Only the properties a desired state names are enforced;
/// Set writes nothing when the task already matches, so Set twice equals Set once.</summary>
public sealed class TaskDscResource
{
    private static readonly HashSet<string> Meta = new(StringComparer.Ordinal) { "name", "ensure", "scope", "_exist", "_inDesiredState" };
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal) { "id", "created", "modified" };

    private readonly Func<TaskScope, TaskStore> _storeFor;
    private readonly TaskLauncher _launcher;
    private readonly Func<TaskStore, TaskSchedules> _schedulesFor;

    public TaskDscResource(Func<TaskScope, TaskStore> storeFor, TaskLauncher launcher)
        : this(storeFor, launcher, store => new TaskSchedules(store))
    {
    }

    internal TaskDscResource(Func<TaskScope, TaskStore> storeFor, TaskLauncher launcher, Func<TaskStore, TaskSchedules> schedulesFor)
    {
        _storeFor = storeFor;
        _launcher = launcher;
        _schedulesFor = schedulesFor;
    }

    /// <summary>The property names an instance may have (the task file's, plus ensure and scope).</summary>
    public static IReadOnlyList<string> PropertyNames { get; } =
        new[] { "name", "ensure", "scope" }
            .Concat(JsonSerializer.SerializeToNode(new CloneTask { Name = "x", Source = "/", Destination = "/" }, TaskJson.File)!.AsObject()
                .Select(p => p.Key).Where(k => k != "name"))
            .ToArray();

    /// <summary>The JSON Schema of an instance, as the resource manifest embeds it.</summary>
    public static JsonObject Schema()
    {
        static JsonObject T(string type, string description, JsonObject? extra = null)
        {
            var o = new JsonObject { ["type"] = type.Contains(',') ? new JsonArray(type.Split(',').Select(t => (JsonNode)t).ToArray()) : type, ["description"] = description };
            foreach (var (k, v) in extra ?? new JsonObject()) o[k] = v?.DeepClone();
            return o;
        }
        static JsonObject Enum(string description, bool nullable, params string[] values)
        {
            var list = new JsonArray(values.Select(v => (JsonNode)v).ToArray());
            if (nullable) list.Add(null);
            return new JsonObject { ["enum"] = list, ["description"] = description };
        }
        static JsonObject ReadOnly(JsonObject o)
        {
            o["readOnly"] = true;
            return o;
        }
        var age = "a time span: \"1.00:00:00\" or \"1d\", \"12h\", \"30m\"";
        var strings = new JsonObject { ["items"] = new JsonObject { ["type"] = "string" } };
        var properties = new JsonObject
        {
            ["name"] = T("string", "The task's name (the key): letters, digits, '.', '_' and '-'.", new JsonObject { ["pattern"] = "^[A-Za-z0-9][A-Za-z0-9._-]*$", ["maxLength"] = TaskRules.MaxNameLength }),
            ["ensure"] = Enum("Present (default) or Absent.", false, "Present", "Absent"),
            ["scope"] = Enum("The task store: AllUsers (default) or CurrentUser.", false, "AllUsers", "CurrentUser"),
            ["id"] = ReadOnly(T("string", "The task's id.")),
            ["description"] = T("string,null", "Free text."),
            ["source"] = T("string", "Absolute path of the folder to clone."),
            ["destination"] = T("string", "Absolute path of the destination folder (or image)."),
            ["safetyNet"] = Enum("What happens to replaced and deleted items.", false, "On", "Off", "KeepAll"),
            ["protectRootItems"] = T("boolean,null", "Leave items found only at the destination root alone (null: on with SafetyNet On)."),
            ["include"] = T("array", "Clone only items matching these globs.", strings),
            ["exclude"] = T("array", "Skip items matching these globs.", strings),
            ["filterFile"] = T("string,null", "Absolute path of a filter file."),
            ["checksum"] = T("boolean", "Compare contents, not size and modification time."),
            ["verify"] = T("boolean", "Re-read copied files and compare SHA-256."),
            ["force"] = T("boolean", "Clone onto a destination that belongs to another source."),
            ["maxDelete"] = T("integer,null", "Refuse a run that would remove more items.", new JsonObject { ["minimum"] = 0 }),
            ["maxDeletePercent"] = T("number", "Refuse a run that would remove more than this share of the destination.", new JsonObject { ["minimum"] = 0, ["maximum"] = 100 }),
            ["safetyNetMinFree"] = T("integer,string,null", "SafetyNet free-space limit: bytes, or \"25GB\"."),
            ["safetyNetMaxAge"] = T("string,null", "Prune SafetyNet runs older than " + age + "."),
            ["safetyNetMaxSize"] = T("integer,string,null", "Keep at most this much SafetyNet: bytes, or \"100GB\"."),
            ["autoAdjust"] = T("boolean", "On a full destination, raise the free-space limit and prune."),
            ["retryCount"] = T("integer", "Retries of transient I/O errors.", new JsonObject { ["minimum"] = 0 }),
            ["retryDelay"] = T("string", "First retry delay, " + age + "."),
            ["durable"] = T("boolean", "Flush every file to the device."),
            ["parallelism"] = T("integer,null", "Parallel copy workers (null: automatic).", new JsonObject { ["minimum"] = 1 }),
            ["retention"] = T("object,null", "Snapshots kept on an image destination.", new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["keepLast"] = T("integer,null", "Newest snapshots kept."),
                    ["keepDaily"] = T("integer,null", "Days with a snapshot kept."),
                    ["keepWeekly"] = T("integer,null", "Weeks with a snapshot kept."),
                    ["keepMonthly"] = T("integer,null", "Months with a snapshot kept."),
                },
                ["additionalProperties"] = false,
            }),
            ["preScript"] = T("string,null", "Absolute path of a script run before the clone; a non-zero exit skips the run."),
            ["postScript"] = T("string,null", "Absolute path of a script run after the clone."),
            ["scriptTimeout"] = T("string", "How long a script may run, " + age + "."),
            ["runAfter"] = T("array", "Tasks to run next.", new JsonObject
            {
                ["items"] = T("object", "A chained task.", new JsonObject
                {
                    ["properties"] = new JsonObject { ["task"] = T("string", "Task name."), ["when"] = Enum("Success (default) or Always.", false, "Success", "Always") },
                    ["required"] = new JsonArray("task"),
                    ["additionalProperties"] = false,
                }),
            }),
            ["notification"] = T("object,null", "An HTTP POST of each run's JSON result.", new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["webhook"] = T("string", "An http:// or https:// URL."),
                    ["on"] = Enum("Failure (default) or Always.", false, "Failure", "Always"),
                    ["timeout"] = T("string", "How long to wait for the webhook, " + age + "."),
                },
                ["required"] = new JsonArray("webhook"),
                ["additionalProperties"] = false,
            }),
            ["schedule"] = T("object,null", "When the task runs; registered with the platform scheduler. null removes it.", new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["kind"] = Enum("The kind of schedule.", false, "Daily", "Hourly", "Weekly", "Interval"),
                    ["at"] = T("string", "Daily/Weekly: time of day \"02:00:00\"; Hourly: minutes past the hour \"00:15:00\"."),
                    ["daysOfWeek"] = T("array", "Weekly: the days.", new JsonObject { ["items"] = Enum("A day.", false, System.Enum.GetNames<DayOfWeek>()) }),
                    ["interval"] = T("string,null", "Interval: time between runs, " + age + "."),
                    ["scheduler"] = Enum("Where the schedule is registered (read back; leave out to use the platform's).", true, System.Enum.GetNames<SchedulerKind>()),
                },
                ["required"] = new JsonArray("kind"),
                ["additionalProperties"] = false,
            }),
            ["created"] = ReadOnly(T("string", "When the task was created.")),
            ["modified"] = ReadOnly(T("string", "When the task was last changed.")),
            ["_inDesiredState"] = ReadOnly(T("boolean", "Returned by test: whether the task is as desired.")),
            ["_exist"] = T("boolean", "The DSC standard form of ensure: false is Absent."),
        };
        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "PSClone task",
            ["description"] = "A saved PSClone clone task. Only the properties given are enforced.",
            ["type"] = "object",
            ["required"] = new JsonArray("name"),
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
    }

    public JsonObject Get(JsonObject desired)
    {
        var request = Parse(desired);
        return State(request, Find(request));
    }

    public JsonObject Test(JsonObject desired)
    {
        var request = Parse(desired);
        var current = Find(request);
        var state = State(request, current);
        state["_inDesiredState"] = InDesiredState(request, current);
        return state;
    }

    public JsonObject Set(JsonObject desired, IEngineEvents events)
    {
        var request = Parse(desired);
        var current = Find(request);
        var schedules = _schedulesFor(request.Store);
        if (!request.Present)
        {
            if (current is not null) schedules.RemoveTask(current, events);
            return State(request, Find(request));
        }
        current = current is null ? request.Store.Add(Target(request, null)) : request.Store.Update(current.Name, c => Target(request, c)).Task;
        if (request.Properties.TryGetPropertyValue("schedule", out var scheduleNode))
        {
            var schedule = scheduleNode?.Deserialize<CloneTaskSchedule>(TaskJson.File);
            if (schedule is null)
            {
                if (current.Schedule is not null) schedules.Unregister(current, events);
            }
            else if (!ScheduleInPlace(current.Schedule, schedule))
            {
                schedules.Register(current, schedule, null, _launcher, events);
            }
        }
        return State(request, Find(request));
    }

    /// <summary>Every task of the AllUsers store (DSC export), or of <paramref name="scope"/>.</summary>
    public IEnumerable<JsonObject> Export(TaskScope scope = TaskScope.AllUsers)
    {
        var store = _storeFor(scope);
        foreach (var task in store.Load().Tasks) yield return State(store, task, task.Name);
    }

    private bool InDesiredState(DscRequest request, CloneTask? current)
    {
        if (!request.Present) return current is null;
        if (current is null) return false;
        var target = Target(request, current);
        var have = JsonSerializer.SerializeToNode(current, TaskJson.File)!.AsObject();
        var want = JsonSerializer.SerializeToNode(target, TaskJson.File)!.AsObject();
        foreach (var (key, _) in request.Properties)
        {
            if (key == "schedule") continue;
            if (!JsonNode.DeepEquals(have[key], want[key])) return false;
        }
        if (request.Properties.TryGetPropertyValue("schedule", out var scheduleNode))
        {
            var schedule = scheduleNode?.Deserialize<CloneTaskSchedule>(TaskJson.File);
            return schedule is null ? current.Schedule is null : ScheduleInPlace(current.Schedule, schedule);
        }
        return true;
    }

    private static bool ScheduleInPlace(CloneTaskSchedule? current, CloneTaskSchedule desired) =>
        current is { Scheduler: not null } && current.SameTimes(desired) && (desired.Scheduler is null || desired.Scheduler == current.Scheduler);

    /// <summary>The task as it should be: the current one (or a new one) with every named property
    /// set, read back through the task file format so values compare in one spelling.</summary>
    private static CloneTask Target(DscRequest request, CloneTask? current)
    {
        var node = JsonSerializer.SerializeToNode(current ?? new CloneTask { Name = request.Name, Source = "", Destination = "" }, TaskJson.File)!.AsObject();
        foreach (var (key, value) in request.Properties)
        {
            if (key == "schedule") continue;
            node[key] = value?.DeepClone();
        }
        node.Remove("schedule");
        var file = new JsonObject { ["schemaVersion"] = TaskJson.SchemaVersion };
        foreach (var (key, value) in node.ToList())
        {
            node.Remove(key);
            file[key] = value;
        }
        var task = TaskJson.Deserialize(file.ToJsonString(), $"the desired state of '{request.Name}'") with { Schedule = current?.Schedule };
        return TaskRules.Normalize(task);
    }

    private static CloneTask? Find(DscRequest request)
    {
        var contents = request.Store.Load();
        var task = contents.Tasks.FirstOrDefault(t => string.Equals(t.Name, request.Name, StringComparison.OrdinalIgnoreCase));
        if (task is not null) return task;
        var problem = contents.Problems.FirstOrDefault(p => string.Equals(p.Name, request.Name, StringComparison.OrdinalIgnoreCase));
        if (problem is not null) throw new PSCloneException(problem.ErrorId, FailureKind.InvalidData, problem.Message, problem.Path);
        return null;
    }

    private static JsonObject State(DscRequest request, CloneTask? task) => State(request.Store, task, request.Name);

    private static JsonObject State(TaskStore store, CloneTask? task, string name)
    {
        if (task is null) return new JsonObject { ["name"] = name, ["ensure"] = "Absent", ["scope"] = store.Location.Scope.ToString() };
        var node = JsonSerializer.SerializeToNode(task, TaskJson.File)!.AsObject();
        var state = new JsonObject { ["name"] = task.Name, ["ensure"] = "Present", ["scope"] = store.Location.Scope.ToString() };
        foreach (var (key, value) in node.ToList())
        {
            if (key == "name") continue;
            node.Remove(key);
            state[key] = value;
        }
        return state;
    }

    private DscRequest Parse(JsonObject desired)
    {
        string name = desired["name"] is JsonValue n && n.TryGetValue(out string? s) && s is not null ? s
            : throw Bad("The desired state has no \"name\"; every instance names its task, for example {\"name\": \"Nightly\"}.");
        TaskRules.CheckName(name);
        bool present = true;
        if (desired["ensure"] is { } ensure)
        {
            present = (ensure is JsonValue e && e.TryGetValue(out string? text) ? text : null)?.ToLowerInvariant() switch
            {
                "present" => true,
                "absent" => false,
                _ => throw Bad($"\"ensure\" is Present or Absent, not {ensure.ToJsonString()}."),
            };
        }
        if (desired["_exist"] is JsonValue exist && exist.TryGetValue(out bool exists)) present = exists;
        var scope = TaskScope.AllUsers;
        if (desired["scope"] is { } scopeNode)
        {
            string? text = scopeNode is JsonValue v && v.TryGetValue(out string? t) ? t : null;
            if (!Enum.TryParse(text, ignoreCase: true, out scope) || !Enum.IsDefined(scope))
                throw Bad($"\"scope\" is CurrentUser or AllUsers, not {scopeNode.ToJsonString()}.");
        }
        var properties = new JsonObject();
        foreach (var (key, value) in desired)
        {
            if (Meta.Contains(key) || ReadOnly.Contains(key) || key.StartsWith('_')) continue;
            if (!PropertyNames.Contains(key))
                throw Bad($"\"{key}\" is not a property of a PSClone task. The properties are: {string.Join(", ", PropertyNames)}.");
            properties[key] = value?.DeepClone();
        }
        return new DscRequest(name, present, _storeFor(scope), properties);
    }

    private static PSCloneException Bad(string message) => new("InvalidDscInput", FailureKind.InvalidArgument, message);

    private sealed record DscRequest(string Name, bool Present, TaskStore Store, JsonObject Properties);
}
