using System.Globalization;
using System.Text.RegularExpressions;

namespace PSClone;

/// <summary>Sizes as people write them: "0", "500MB", "25GB", "1.5TiB". KB, MB, GB and TB are
/// binary multiples (1KB = 1024), as in PowerShell's 1KB..1PB literals.</summary>
public static partial class ByteSize
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (text is null) return false;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        if (m.Groups[2].Length == 0 && m.Groups[3].Length == 0 && text.Contains('.')) return false;
        double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int power = char.ToUpperInvariant(m.Groups[2].Value.FirstOrDefault()) switch
        {
            'K' => 1,
            'M' => 2,
            'G' => 3,
            'T' => 4,
            'P' => 5,
            _ => 0,
        };
        double result = value * Math.Pow(1024, power);
        if (result > long.MaxValue) return false;
        bytes = (long)result;
        return true;
    }

    public static long Parse(string text, string what) =>
        TryParse(text, out long bytes) ? bytes
        : throw new PSCloneException("InvalidSize", FailureKind.InvalidArgument,
            $"'{text}' is not a size for {what}. Write a number with an optional unit, for example 0, 500MB or 25GB.", text);

    /// <summary>A short human form: 1.5 GB, 12 KB, 0 B.</summary>
    public static string Format(long bytes)
    {
        string[] units = { "B", "KB", "MB", "GB", "TB", "PB" };
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}

/// <summary>Ages as people write them: "1d", "12h", "30m", "2w", "90s", or a TimeSpan ("1.12:00:00").</summary>
public static partial class Age
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out TimeSpan age)
    {
        age = default;
        if (text is null) return false;
        var m = Pattern().Match(text);
        if (m.Success)
        {
            double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            age = char.ToLowerInvariant(m.Groups[2].Value[0]) switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => TimeSpan.FromDays(value * 7),
            };
            return true;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out age) && age >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var age) ? age
        : throw new PSCloneException("InvalidAge", FailureKind.InvalidArgument,
            $"'{text}' is not an age for {what}. Write a number and a unit, for example 30m, 12h, 1d or 2w.", text);

    public static string Format(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:0.#}d" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#}h"
        : age.TotalMinutes >= 1 ? $"{age.TotalMinutes:0.#}m" : $"{age.TotalSeconds:0}s";
}
