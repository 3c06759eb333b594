using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSClone.Cloning;

/// <summary>Who holds a destination's run lock (the content of ".psclone.lock").</summary>
internal sealed record LockHolder(int Pid, string Host, string Source, DateTimeOffset Started);

/// <summary>The JSON of a clone's own files (marker, lock, SafetyNet manifest), generated at
/// compile time: reflection-based serialization costs a short run a tenth of a second of start-up.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DestinationMarker))]
[JsonSerializable(typeof(LockHolder))]
[JsonSerializable(typeof(SafetyNet.ManifestEntry))]
internal sealed partial class CloneJson : JsonSerializerContext
{
    /// <summary>The same contract, indented, for files people read (the marker).</summary>
    public static CloneJson Indented { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    });
}
