using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PSClone.Tasks;

/// <summary>The JSON forms of tasks and runs: camelCase, enums by name, sizes and ages readable.
/// Task files are indented and strict (an unknown property is an error, so a typo never silently
/// drops a setting); history lines are compact.</summary>
public static class TaskJson
{
    /// <summary>The task file format this build writes and reads.</summary>
    public const int SchemaVersion = 1;

    public static readonly JsonSerializerOptions File = Create(indented: true, strict: true);
    public static readonly JsonSerializerOptions Compact = Create(indented: false, strict: false);

    private static JsonSerializerOptions Create(bool indented, bool strict)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = indented,
            // Files are read by people and tools, never embedded in HTML: keep '+' in times and non-ASCII names as they are.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
            Converters = { new JsonStringEnumConverter(), new AgeJsonConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The file text of a task: schemaVersion first, then the task's properties.</summary>
    public static string Serialize(CloneTask task)
    {
        var node = JsonSerializer.SerializeToNode(task, File)!.AsObject();
        var file = new JsonObject { ["schemaVersion"] = SchemaVersion };
        foreach (var (key, value) in node.ToList())
        {
            node.Remove(key);
            file[key] = value;
        }
        return file.ToJsonString(File) + "\n";
    }

    public static byte[] SerializeToBytes(CloneTask task) => new UTF8Encoding(false).GetBytes(Serialize(task));

    /// <summary>Reads a task file's text; throws <see cref="PSCloneException"/> saying what is wrong and how to fix it.</summary>
    public static CloneTask Deserialize(string text, string where)
    {
        JsonObject file;
        try
        {
            file = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw Damaged(where, "it does not hold a JSON object");
        }
        catch (JsonException ex)
        {
            throw Damaged(where, $"it is not valid JSON ({ex.Message})", ex);
        }
        if (file["schemaVersion"] is not JsonValue version || !version.TryGetValue(out int schema))
            throw Damaged(where, $"it has no \"schemaVersion\" number; add \"schemaVersion\": {SchemaVersion} (see 'psclone task export' for a complete example)");
        if (schema > SchemaVersion)
            throw new PSCloneException("TaskFileNewerVersion", FailureKind.InvalidData,
                $"The task file '{where}' has schema version {schema}, written by a newer PSClone (this one reads up to {SchemaVersion}). Update PSClone to use it.", where);
        if (schema < 1)
            throw Damaged(where, $"its schemaVersion {schema} is not valid; write {SchemaVersion}");
        file.Remove("schemaVersion");
        try
        {
            return file.Deserialize<CloneTask>(File) ?? throw Damaged(where, "it holds null");
        }
        catch (JsonException ex)
        {
            string at = ex.Path is { Length: > 2 } p ? $" at {p[2..]}" : "";
            throw Damaged(where, $"{ex.Message.Split(" Path:")[0]}{at}", ex);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or PSCloneException)
        {
            throw Damaged(where, ex.Message, ex);
        }
    }

    private static PSCloneException Damaged(string where, string why, Exception? inner = null) =>
        new("TaskFileDamaged", FailureKind.InvalidData, $"The task file '{where}' cannot be read: {why}.", where, inner);

    /// <summary>One history line.</summary>
    public static string SerializeRun(CloneTaskRun run) => JsonSerializer.Serialize(run, Compact);

    public static CloneTaskRun? DeserializeRun(string line) => JsonSerializer.Deserialize<CloneTaskRun>(line, Compact);
}

/// <summary>Ages as "1.00:00:00" (written) or "1d", "12h", "30m" (also read), so hand-written
/// task files can say what they mean.</summary>
public sealed class AgeJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return TimeSpan.FromSeconds(reader.GetDouble());
        string? text = reader.GetString();
        return Age.TryParse(text, out var age) ? age
            : throw new JsonException($"'{text}' is not a time span; write for example \"1d\", \"12h\", \"30m\" or \"1.00:00:00\".");
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));
}

/// <summary>Sizes as bytes (written) or "25GB", "500MB" (also read).</summary>
public sealed class SizeJsonConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType == JsonTokenType.Number)
        {
            long bytes = reader.GetInt64();
            return bytes >= 0 ? bytes : throw new JsonException($"A size cannot be negative ({bytes}).");
        }
        string? text = reader.GetString();
        return ByteSize.TryParse(text, out long parsed) ? parsed
            : throw new JsonException($"'{text}' is not a size; write a number of bytes or for example \"500MB\", \"25GB\".");
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteNumberValue(v);
        else writer.WriteNullValue();
    }
}
