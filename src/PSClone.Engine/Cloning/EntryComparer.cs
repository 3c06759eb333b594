using PSClone.Platform;

namespace PSClone.Cloning;

/// <summary>The rules for "changed" shared by the planner and Test-Clone: size and modification time
/// (within the destination's time resolution), or content with -Checksum; then metadata.</summary>
internal sealed class EntryComparer
{
    private readonly PlanSettings _settings;
    private readonly IFileSystem _fs;
    private readonly CancellationToken _cancel;

    public EntryComparer(PlanSettings settings, IFileSystem fs, CancellationToken cancel)
    {
        _settings = settings;
        _fs = fs;
        _cancel = cancel;
    }

    public string? ContentDiffers(FsEntry s, FsEntry d, string rel)
    {
        if (s.Size != d.Size) return $"Size differs ({d.Size} -> {s.Size})";
        if (_settings.Checksum)
        {
            return ContentComparer.SameContent(_fs, _settings.SourceRoot + "/" + rel, _settings.DestinationRoot + "/" + rel, _cancel)
                ? null : "Content differs";
        }
        return TimesEqual(s.MTimeNs, d.MTimeNs) ? null : "Modified time differs";
    }

    public bool TimesEqual(long a, long b) =>
        _settings.Traits.TimeResolutionNs <= 1 ? a == b : Math.Abs(a - b) < _settings.Traits.TimeResolutionNs;

    /// <summary>Reads an entry's extended attributes the first time they are needed.</summary>
    public XattrSet XattrsOf(FsEntry entry, string fullPath) => entry.Xattrs ??= _fs.ReadXattrs(fullPath);

    /// <summary>Extended attributes change no time but the status-change time, so only items changed
    /// since the last complete run (<see cref="PlanSettings.XattrsUnchangedBeforeNs"/>) need reading.</summary>
    private bool XattrsMayDiffer(FsEntry s, FsEntry d, string rel)
    {
        var (source, destination) = _settings.XattrsUnchangedBeforeNs;
        if (s.CTimeNs < source && d.CTimeNs < destination) return false;
        return !XattrSet.AreEqual(XattrsOf(s, Join(_settings.SourceRoot, rel)), XattrsOf(d, Join(_settings.DestinationRoot, rel)));
    }

    private static string Join(string root, string rel) => rel.Length == 0 ? root : root + "/" + rel;

    public MetadataParts MetadataDiff(FsEntry s, FsEntry d, string rel, out string reason, bool compareTimes)
    {
        var parts = MetadataParts.None;
        var reasons = new List<string>(2);
        if (_settings.Traits.ComparePermissions && s.Kind != ItemType.SymbolicLink && s.Mode != d.Mode)
        {
            parts |= MetadataParts.Mode;
            reasons.Add("Permissions differ");
        }
        if (_settings.Traits.CompareOwner && (s.Uid != d.Uid || s.Gid != d.Gid))
        {
            parts |= MetadataParts.Owner;
            reasons.Add("Owner differs");
        }
        if (_settings.Traits.CompareXattrs && s.Kind != ItemType.SymbolicLink && XattrsMayDiffer(s, d, rel))
        {
            parts |= MetadataParts.Xattrs;
            reasons.Add("Extended attributes differ");
        }
        if (_settings.Traits.CompareAttributes && s.Attributes != d.Attributes)
        {
            parts |= MetadataParts.Attributes;
            reasons.Add("Attributes differ");
        }
        if (compareTimes && (s.Kind != ItemType.SymbolicLink || _settings.Traits.CompareLinkTimes) && !TimesEqual(s.MTimeNs, d.MTimeNs))
        {
            parts |= MetadataParts.Times;
            reasons.Add("Modified time differs");
        }
        reason = string.Join(", ", reasons);
        return parts;
    }
}

/// <summary>Byte-for-byte comparison of two files.</summary>
internal static class ContentComparer
{
    public static bool SameContent(IFileSystem fs, string a, string b, CancellationToken cancel)
    {
        using var sa = fs.OpenRead(a);
        using var sb = fs.OpenRead(b);
        var ba = new byte[1 << 20];
        var bb = new byte[1 << 20];
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            int na = sa.ReadAtLeast(ba, ba.Length, throwOnEndOfStream: false);
            int nb = sb.ReadAtLeast(bb, bb.Length, throwOnEndOfStream: false);
            if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb))) return false;
            if (na < ba.Length) return true;
        }
    }
}
