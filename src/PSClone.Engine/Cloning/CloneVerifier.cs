using PSClone.Platform;

namespace PSClone;

/// <summary>What Test-Clone compares.</summary>
public sealed record CloneTestRequest
{
    public required string Source { get; init; }
    public required string Destination { get; init; }

    /// <summary>Compare contents byte for byte instead of size and modification time.</summary>
    public bool Checksum { get; init; }
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    public string? FilterFile { get; init; }
}

/// <summary>Compares a source with its clone without changing anything; reports each difference
/// as a <see cref="CloneDifference"/> item.</summary>
public sealed class CloneVerifier
{
    private readonly IFileSystem _fs;

    public CloneVerifier()
        : this(FileSystems.Current)
    {
    }

    internal CloneVerifier(IFileSystem fs) => _fs = fs;

    /// <summary>Emits the differences through <paramref name="events"/> and returns how many items
    /// differ or could not be compared (0 means identical).</summary>
    public int Compare(CloneTestRequest request, IEngineEvents events, CancellationToken cancel)
    {
        var paths = Cloning.ClonePaths.Resolve(new CloneRequest { Source = request.Source, Destination = request.Destination }, _fs);
        if (!paths.DestinationExists)
            throw new PSCloneException("DestinationNotFound", FailureKind.ObjectNotFound,
                $"The destination '{request.Destination}' does not exist, so there is no clone to test. Check the path.", request.Destination);
        var filter = new Cloning.PathFilter(request.Include, request.Exclude, request.FilterFile);
        paths.CheckNesting(filter);
        var marker = Cloning.DestinationMarker.TryRead(paths.Destination);
        var settings = new Cloning.PlanSettings
        {
            Mode = SafetyNetMode.Off,
            ProtectRoot = false,
            Checksum = request.Checksum,
            Traits = Cloning.DestinationTraits.For(_fs, marker),
            SourceRoot = paths.Source,
            DestinationRoot = paths.Destination,
        };
        var compare = new Cloning.EntryComparer(settings, _fs, cancel);
        int count = 0;
        void Report(DifferenceKind kind, string rel, ItemType type, string detail)
        {
            count++;
            events.Item(new CloneDifference
            {
                Difference = kind,
                RelativePath = rel,
                ItemType = type,
                Detail = detail,
                Source = paths.Source,
                Destination = paths.Destination,
            });
        }
        void OnError(string rel, string full, Exception ex)
        {
            count++; // an item that cannot be compared is not known to be identical
            events.Error(Cloning.ItemErrors.From(ex, rel, paths.Source));
        }

        var options = new Cloning.ScanOptions(filter, IsDestination: false, SkipPath: paths.Destination);
        var sourceRoot = _fs.TryGetEntry(paths.Source, false)!;
        var destRoot = _fs.TryGetEntry(paths.Destination, false)!;
        var destScan = Task.Run(() => Cloning.TreeScanner.Scan(_fs, paths.Destination, destRoot, options with { IsDestination = true, SkipPath = null }, OnError, cancel), cancel);
        var source = Cloning.TreeScanner.Scan(_fs, paths.Source, sourceRoot, options, OnError, cancel).Root;
        var destination = destScan.GetAwaiter().GetResult().Root;

        var groups = new Dictionary<(ulong, ulong), List<(string Path, FsEntry? Dest)>>();

        void CompareMeta(FsEntry s, FsEntry d, string rel)
        {
            var parts = compare.MetadataDiff(s, d, rel, out string reason, compareTimes: true);
            if (parts != MetadataParts.None) Report(DifferenceKind.MetadataDiffers, rel.Length == 0 ? "." : rel, s.Kind, reason);
        }

        void Walk(FsEntry? s, FsEntry? d, string prefix)
        {
            cancel.ThrowIfCancellationRequested();
            var src = s?.Children ?? (IReadOnlyList<FsEntry>)Array.Empty<FsEntry>();
            var dst = d?.Children ?? (IReadOnlyList<FsEntry>)Array.Empty<FsEntry>();
            int i = 0, j = 0;
            while (i < src.Count || j < dst.Count)
            {
                int cmp = i >= src.Count ? 1 : j >= dst.Count ? -1 : string.CompareOrdinal(src[i].Name, dst[j].Name);
                if (cmp < 0)
                {
                    var a = src[i++];
                    if (!a.IsSpecial) Report(DifferenceKind.Missing, prefix + a.Name, a.Kind, "Not on the destination");
                    NoteGroup(a, null, prefix + a.Name);
                    continue;
                }
                if (cmp > 0)
                {
                    var b = dst[j++];
                    if (b.Selected) Report(DifferenceKind.Extra, prefix + b.Name, b.Kind, "Not in the source");
                    else if (b.Kind == ItemType.Directory) Walk(null, b, prefix + b.Name + "/");
                    continue;
                }
                var se = src[i++];
                var de = dst[j++];
                string rel = prefix + se.Name;
                if (se.IsSpecial) continue;
                if (se.Kind != de.Kind)
                {
                    Report(DifferenceKind.ContentDiffers, rel, se.Kind, $"Type differs ({de.Kind} on the destination)");
                    continue;
                }
                switch (se.Kind)
                {
                    case ItemType.Directory:
                        CompareMeta(se, de, rel);
                        Walk(se, de, rel + "/");
                        break;
                    case ItemType.SymbolicLink:
                        if (!string.Equals(se.LinkTarget, de.LinkTarget, StringComparison.Ordinal))
                            Report(DifferenceKind.ContentDiffers, rel, se.Kind, $"Link target differs ('{de.LinkTarget}' on the destination)");
                        else CompareMeta(se, de, rel);
                        break;
                    default:
                        NoteGroup(se, de, rel);
                        if (se.Size != de.Size)
                        {
                            Report(DifferenceKind.ContentDiffers, rel, se.Kind, $"Size differs ({de.Size} on the destination, {se.Size} in the source)");
                        }
                        else if (request.Checksum && compare.ContentDiffers(se, de, rel) is not null)
                        {
                            Report(DifferenceKind.ContentDiffers, rel, se.Kind, "Content differs");
                        }
                        else
                        {
                            CompareMeta(se, de, rel);
                        }
                        break;
                }
            }
        }

        void NoteGroup(FsEntry s, FsEntry? d, string rel)
        {
            if (s.Kind != ItemType.File || s.LinkCount < 2) return;
            var key = (s.Device, s.Inode);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = new();
            list.Add((rel, d));
        }

        Walk(source, destination, "");
        CompareMeta(sourceRoot, destRoot, "");
        foreach (var members in groups.Values.Where(g => g.Count > 1))
        {
            var leader = members[0];
            foreach (var member in members.Skip(1))
            {
                if (leader.Dest is null || member.Dest is null) continue;
                if (leader.Dest.Inode != member.Dest.Inode || leader.Dest.Device != member.Dest.Device)
                    Report(DifferenceKind.MetadataDiffers, member.Path, ItemType.File, $"Not hard-linked with '{leader.Path}' on the destination");
            }
        }
        return count;
    }
}
