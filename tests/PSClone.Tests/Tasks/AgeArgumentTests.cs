using System.Management.Automation;
using PSClone.Commands;
using Xunit;

namespace PSClone.Tests.Tasks;

/// <summary>[AgeTransformation], which every TimeSpan parameter of the module carries: ages as psclone
/// writes them, and PowerShell's reading of an unquoted 1d (the decimal 1).</summary>
public sealed class AgeArgumentTests
{
    public static TheoryData<object?, TimeSpan?> Ages() => new()
    {
        { "1d", TimeSpan.FromDays(1) },
        { "12h", TimeSpan.FromHours(12) },
        { "30m", TimeSpan.FromMinutes(30) },
        { "2w", TimeSpan.FromDays(14) },
        { "90s", TimeSpan.FromSeconds(90) },
        { "1.12:00:00", new TimeSpan(1, 12, 0, 0) },
        { 1m, TimeSpan.FromDays(1) },          // -MaxAge 1d: PowerShell passes the decimal 1
        { 1.5m, TimeSpan.FromHours(36) },      // -MaxAge 1.5d
        { TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) },
        { null, null },                        // -SafetyNetMaxAge $null: no limit
    };

    [Theory]
    [MemberData(nameof(Ages))]
    public void Ages_BecomeTimeSpans(object? argument, TimeSpan? expected) =>
        Assert.Equal(expected, (TimeSpan?)AgeTransformationAttribute.ToAge(argument));

    [Theory]
    [InlineData("1 day")]
    [InlineData("-1d")]
    [InlineData(30)]
    [InlineData(2.5)]
    public void NotAnAge_IsRefused(object argument) =>
        Assert.ThrowsAny<ArgumentTransformationMetadataException>(() => AgeTransformationAttribute.ToAge(argument));

    [Fact]
    public void OtherObjects_AreLeftToPowerShellsOwnConversion()
    {
        var other = new DateTime(2026, 1, 1);
        Assert.Equal(other, AgeTransformationAttribute.ToAge(other));
    }
}
