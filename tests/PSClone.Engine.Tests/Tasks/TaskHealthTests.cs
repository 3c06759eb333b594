using PSClone.Tasks;
using PSClone.Tests.Support;
using Xunit;

namespace PSClone.Tests.Tasks;

public sealed class TaskHealthTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDir _dir = new("health");
    private readonly TaskStore _store;
    private readonly CloneTask _task;

    public TaskHealthTests()
    {
        _store = new TaskStore(TaskStoreLocation.At(_dir["home"]));
        Directory.CreateDirectory(_dir["dst"]);
        _task = _store.Add(new CloneTask { Name = "Nightly", Source = _dir["src"], Destination = _dir["dst"] });
    }

    public void Dispose() => _dir.Dispose();

    private void Ran(double hoursAgo, CloneStatus status, string? message = null) =>
        _store.AppendHistory(_task, HistoryRuns.Make(_task, Now.AddHours(-hoursAgo), status) with { EndTime = Now.AddHours(-hoursAgo).AddMinutes(5), Message = message });

    private CloneTaskHealth Test(double maxAgeHours = 24) => new TaskHealthCheck(_store).Test(_task, TimeSpan.FromHours(maxAgeHours), Now);

    [Fact]
    public void NeverRun()
    {
        var health = Test();
        Assert.False(health.Healthy);
        Assert.Equal(CloneTaskHealthReason.NeverRun, health.Reason);
        Assert.Null(health.LastSuccess);
        Assert.Null(health.Age);
        Assert.Contains("never run", health.Message);
    }

    [Fact]
    public void RecentSuccess_IsHealthy_EvenAfterASkippedRun()
    {
        Ran(30, CloneStatus.Failed);
        Ran(3, CloneStatus.CompletedWithWarnings);
        Ran(1, CloneStatus.Skipped);
        var health = Test();
        Assert.True(health.Healthy);
        Assert.Equal(CloneTaskHealthReason.Healthy, health.Reason);
        Assert.Equal(Now.AddHours(-3).AddMinutes(5), health.LastSuccess);
        Assert.Equal(TimeSpan.FromMinutes(175), health.Age);
        Assert.Equal(CloneStatus.Skipped, health.LastStatus);
        Assert.Equal(TimeSpan.FromHours(24), health.MaxAge);
    }

    [Fact]
    public void OldSuccess_IsTooOld()
    {
        Ran(50, CloneStatus.Success);
        var health = Test();
        Assert.Equal(CloneTaskHealthReason.LastSuccessTooOld, health.Reason);
        Assert.Contains("more than 1d", health.Message);
        Assert.True(Test(maxAgeHours: 72).Healthy);
    }

    [Fact]
    public void LastRunFailed_EvenWithARecentSuccess()
    {
        Ran(5, CloneStatus.Success);
        Ran(1, CloneStatus.CompletedWithErrors, "2 files could not be read");
        var health = Test();
        Assert.False(health.Healthy);
        Assert.Equal(CloneTaskHealthReason.LastRunFailed, health.Reason);
        Assert.Contains("CompletedWithErrors: 2 files could not be read", health.Message);
    }

    [Fact]
    public void NeverSucceeded()
    {
        Ran(1, CloneStatus.Failed, "The source folder does not exist.");
        Assert.Equal(CloneTaskHealthReason.NeverSucceeded, Test().Reason);
    }

    [Fact]
    public void DestinationUnreachable_ComesBeforeTheHistory()
    {
        Ran(1, CloneStatus.Success);
        Directory.Delete(_dir["dst"]);
        var health = Test();
        Assert.False(health.Healthy);
        Assert.Equal(CloneTaskHealthReason.DestinationUnreachable, health.Reason);
        Assert.Contains(_dir["dst"], health.Message);
    }

    [Fact]
    public void MaxAgeMustBePositive() =>
        Assert.Equal("InvalidMaxAge", Assert.Throws<PSCloneException>(() => Test(0)).ErrorId);
}
