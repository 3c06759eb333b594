using System.Text.Json;

namespace PSClone.Cloning;

/// <summary>The ".psclone" identity file at a destination root: which source it is a clone of.
/// Its absence on a full destination, or a different source in it, is the "wrong disk" guard.</summary>
internal sealed record DestinationMarker
{
    public int Format { get; init; } = 1;
    public required string Source { get; init; }
    public string? SourceVolumeId { get; init; }
    public string? Task { get; init; }
    public DateTimeOffset Created { get; init; }

    /// <summary>The destination's timestamp resolution, probed on the first clone (FAT keeps 2 s).</summary>
    public long TimeResolutionNs { get; init; } = 1;

    /// <summary>Start of the last run that finished without errors (and changed something).</summary>
    public DateTimeOffset? LastCompleteRun { get; init; }

    /// <summary>End of that run: destination items changed before it were written (or checked) by PSClone.</summary>
    public DateTimeOffset? LastCompleteRunEnd { get; init; }

    /// <summary>The filter rules of that run (<see cref="PathFilter.Signature"/>).</summary>
    public string? FilterSignature { get; init; }

    public static string PathIn(string destination) => Path.Combine(destination, ReservedNames.Marker);

    /// <summary>Reads the marker; null when there is none. A damaged marker is treated as none,
    /// which makes the wrong-destination guard look at the contents instead.</summary>
    public static DestinationMarker? TryRead(string destination)
    {
        string path = PathIn(destination);
        try
        {
            if (!File.Exists(path)) return null;
            return JsonSerializer.Deserialize(File.ReadAllText(path), CloneJson.Default.DestinationMarker);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    public void Write(string destination)
    {
        string path = PathIn(destination);
        string temp = Path.Combine(destination, ReservedNames.NewTempName());
        File.WriteAllText(temp, JsonSerializer.Serialize(this, CloneJson.Indented.DestinationMarker) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
