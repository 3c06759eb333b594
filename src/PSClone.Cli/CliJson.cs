using System.Text.Json.Serialization;

namespace PSClone.Cli;

/// <summary>A warning line of --json output.</summary>
internal sealed record WarningLine(string Message);

/// <summary>An error line of --json output.</summary>
internal sealed record ErrorLine(string ErrorId, string Category, string Message, string? Target);

/// <summary>The last line of `psclone verify --json`.</summary>
internal sealed record VerifySummary(string Source, string Destination, int Differences, int Errors, bool Identical);

/// <summary>The clone commands' output types, serialized by compile-time generated code: the
/// reflection-based serializer costs a short run much of its start-up time. Other commands' types
/// fall back to reflection (see <see cref="CliHost.Json"/>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CloneRunResult))]
[JsonSerializable(typeof(CloneItemResult))]
[JsonSerializable(typeof(CloneDifference))]
[JsonSerializable(typeof(SafetyNetItem))]
[JsonSerializable(typeof(SafetyNetRun))]
[JsonSerializable(typeof(SafetyNetRestoreResult))]
[JsonSerializable(typeof(WarningLine))]
[JsonSerializable(typeof(ErrorLine))]
[JsonSerializable(typeof(VerifySummary))]
internal sealed partial class CliJson : JsonSerializerContext;
