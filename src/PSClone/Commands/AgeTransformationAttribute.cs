using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Lets a TimeSpan parameter take ages as psclone writes them: 30m, 12h, 1d, 2w (and
/// d.hh:mm:ss). Needed because PowerShell reads an unquoted 1d as the decimal 1 (the d suffix),
/// which its own conversion would turn into a TimeSpan of one tick.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AgeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        ToAge(inputData is PSObject wrapped ? wrapped.BaseObject : inputData);

    /// <summary>The argument as a TimeSpan; null stays null (a nullable parameter's "no limit").</summary>
    internal static object? ToAge(object? value) => value switch
    {
        null or TimeSpan => value,
        string text => Age.TryParse(text, out var age) ? age
            : throw new ArgumentTransformationMetadataException(
                $"'{text}' is not an age. Write a number and a unit (30m, 12h, 1d, 2w) or days.hours:minutes:seconds (1.12:00:00).", null),
        // 1d, 7d: the only way a decimal reaches an age parameter is PowerShell's d suffix.
        decimal days => TimeSpan.FromDays((double)days),
        _ when value.GetType().IsPrimitive => throw new ArgumentTransformationMetadataException(
            $"'{value}' has no unit. Write {value}s, {value}m, {value}h, {value}d or {value}w.", null),
        _ => value,
    };
}
