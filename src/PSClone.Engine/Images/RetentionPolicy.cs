using System.Globalization;

namespace PSClone.Images;

/// <summary>Which snapshots a retention policy keeps (format §14): per group of snapshots with the
/// same kind and source, the last N, and the newest of each of the last N hours, days, ISO weeks
/// and months that have snapshots (in the snapshot's own local time); the union of the rules.</summary>
internal static class RetentionPolicy
{
    public static bool IsEmpty(ImageForgetRequest r) =>
        r.KeepLast is null && r.KeepHourly is null && r.KeepDaily is null && r.KeepWeekly is null && r.KeepMonthly is null;

    public static HashSet<ulong> Keep(IReadOnlyList<SnapshotRecord> snapshots, ImageForgetRequest r)
    {
        var keep = new HashSet<ulong>();
        foreach (var group in snapshots.GroupBy(s => (s.Kind, s.Source)))
        {
            var newestFirst = group.OrderByDescending(s => s.TimeNs).ThenByDescending(s => s.Id).ToList();
            if (r.KeepLast is int last) foreach (var s in newestFirst.Take(last)) keep.Add(s.Id);
            Bucket(newestFirst, r.KeepHourly, t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture), keep);
            Bucket(newestFirst, r.KeepDaily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), keep);
            Bucket(newestFirst, r.KeepWeekly, t => $"{ISOWeek.GetYear(t.DateTime)}-W{ISOWeek.GetWeekOfYear(t.DateTime)}", keep);
            Bucket(newestFirst, r.KeepMonthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), keep);
        }
        return keep;
    }

    private static void Bucket(List<SnapshotRecord> newestFirst, int? count, Func<DateTimeOffset, string> key, HashSet<ulong> keep)
    {
        if (count is not int n || n <= 0) return;
        string? previous = null;
        int kept = 0;
        foreach (var s in newestFirst)
        {
            string k = key(s.Time);
            if (k == previous) continue;
            previous = k;
            keep.Add(s.Id);
            if (++kept == n) return;
        }
    }
}
