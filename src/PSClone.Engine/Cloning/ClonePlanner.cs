using PSClone.Platform;
using PSClone.SafetyNet;

namespace PSClone.Cloning;

/// <summary>What the planner needs to know about the run besides the two trees.</summary>
internal sealed record PlanSettings
{
    public required SafetyNetMode Mode { get; init; }
    public required bool ProtectRoot { get; init; }
    public bool Checksum { get; init; }

    /// <summary>Items whose status-change time (source and destination) is older than this had their
    /// extended attributes compared by an earlier complete run; long.MinValue compares all.</summary>
    public (long Source, long Destination) XattrsUnchangedBeforeNs { get; init; } = (long.MinValue, long.MinValue);

    /// <summary>What the destination can keep, hence what is worth comparing.</summary>
    public required DestinationTraits Traits { get; init; }
    public required string SourceRoot { get; init; }
    public required string DestinationRoot { get; init; }
}

/// <summary>Merges the source tree with the destination tree into a <see cref="ClonePlan"/>.
/// Both trees are sorted by ordinal name, so one pass decides every item.</summary>
internal sealed class ClonePlanner
{
    private readonly PlanSettings _settings;
    private readonly EntryComparer _compare;
    private readonly CancellationToken _cancel;
    private readonly ClonePlan _plan = new();
    private readonly Dictionary<(ulong, ulong), HardLinkGroup> _groups = new();
    private readonly Dictionary<FsEntry, HardLinkGroup> _memberOf = new(ReferenceEqualityComparer.Instance);

    private ClonePlanner(PlanSettings settings, IFileSystem fs, CancellationToken cancel)
    {
        _settings = settings;
        _compare = new EntryComparer(settings, fs, cancel);
        _cancel = cancel;
    }

    public static ClonePlan Plan(FsEntry source, FsEntry? destination, PlanSettings settings, IFileSystem fs, CancellationToken cancel)
    {
        var planner = new ClonePlanner(settings, fs, cancel);
        planner.FindHardLinkGroups(source, "");
        planner.PlanFolder(source, destination, "");
        for (int i = 0; i < planner._plan.Steps.Count; i++) planner._plan.Steps[i].Index = i;
        return planner._plan;
    }

    private void FindHardLinkGroups(FsEntry root, string prefix)
    {
        var candidates = new Dictionary<(ulong, ulong), List<(FsEntry Entry, string Path)>>();
        void Walk(FsEntry dir, string pre)
        {
            if (dir.Children is null) return;
            foreach (var c in dir.Children)
            {
                if (c.Kind == ItemType.File && c.LinkCount > 1 && c.Selected)
                {
                    var key = (c.Device, c.Inode);
                    if (!candidates.TryGetValue(key, out var list)) candidates[key] = list = new();
                    list.Add((c, pre + c.Name));
                }
                else if (c.Kind == ItemType.Directory)
                {
                    Walk(c, pre + c.Name + "/");
                }
            }
        }
        Walk(root, prefix);
        foreach (var (key, members) in candidates)
        {
            if (members.Count < 2) continue;
            var group = new HardLinkGroup { LeaderPath = members[0].Path };
            _groups[key] = group;
            foreach (var (entry, _) in members) _memberOf[entry] = group;
        }
    }

    private void Add(PlanStep step) => _plan.Steps.Add(step);

    private void PlanFolder(FsEntry? source, FsEntry? destination, string prefix)
    {
        _cancel.ThrowIfCancellationRequested();
        if (source?.Unreadable == true || destination?.Unreadable == true) return;
        var src = source?.Children ?? (IReadOnlyList<FsEntry>)Array.Empty<FsEntry>();
        var dst = destination?.Children ?? (IReadOnlyList<FsEntry>)Array.Empty<FsEntry>();
        _plan.SourceItems += src.Count;
        int i = 0, j = 0;
        while (i < src.Count || j < dst.Count)
        {
            int cmp = i >= src.Count ? 1 : j >= dst.Count ? -1 : string.CompareOrdinal(src[i].Name, dst[j].Name);
            if (cmp < 0) PlanNew(src[i++], prefix);
            else if (cmp > 0) PlanExtra(dst[j++], prefix);
            else PlanBoth(src[i++], dst[j++], prefix);
        }
    }

    private void PlanNew(FsEntry s, string prefix)
    {
        string rel = prefix + s.Name;
        switch (s.Kind)
        {
            case ItemType.Directory:
                Add(new PlanStep { Kind = StepKind.MakeDirectory, RelativePath = rel, Source = s, Reason = "New" });
                PlanFolder(s, null, rel + "/");
                break;
            case ItemType.File when _memberOf.TryGetValue(s, out var group) && group.LeaderPath != rel:
                Add(new PlanStep { Kind = StepKind.MakeHardLink, RelativePath = rel, Source = s, Group = group, Reason = $"Hard link to {group.LeaderPath}" });
                break;
            case ItemType.File:
                var step = new PlanStep { Kind = StepKind.CopyFile, RelativePath = rel, Source = s, Reason = "New" };
                Add(step);
                NoteLeader(s, null, step);
                break;
            case ItemType.SymbolicLink:
                Add(new PlanStep { Kind = StepKind.MakeSymlink, RelativePath = rel, Source = s, Reason = "New" });
                break;
            default:
                Add(new PlanStep { Kind = StepKind.SkipSpecial, RelativePath = rel, Source = s, Reason = SpecialReason(s.Kind) });
                break;
        }
    }

    private static string SpecialReason(ItemType kind) => $"Special file ({kind}) skipped";

    private void NoteLeader(FsEntry s, FsEntry? existing, PlanStep? step)
    {
        if (!_memberOf.TryGetValue(s, out var group)) return;
        group.LeaderExisting = existing;
        group.LeaderStep = step;
        group.LeaderChanges = step is { Kind: StepKind.CopyFile or StepKind.UpdateFile };
    }

    private void PlanExtra(FsEntry d, string prefix)
    {
        string rel = prefix + d.Name;
        if (!d.Selected)
        {
            // Outside the include patterns: only included items inside it are the clone's business.
            if (d.Kind == ItemType.Directory) PlanFolder(null, d, rel + "/");
            return;
        }
        var disposition = SafetyNetRules.Decide(_settings.Mode, _settings.ProtectRoot, Displacement.Deleted, prefix.Length == 0, d.Kind, null);
        if (disposition == Disposition.Leave) return;
        _plan.ItemsLeavingAsDeleted += 1 + CountInside(d);
        Add(new PlanStep
        {
            Kind = StepKind.Remove,
            RelativePath = rel,
            Existing = d,
            OldDisposition = disposition,
            Why = Displacement.Deleted,
            Reason = "Deleted from source",
        });
    }

    private static long CountInside(FsEntry d)
    {
        if (d.Children is null) return 0;
        long n = d.Children.Count;
        foreach (var c in d.Children) n += CountInside(c);
        return n;
    }

    private void PlanBoth(FsEntry s, FsEntry d, string prefix)
    {
        string rel = prefix + s.Name;
        _plan.MatchedItems++;
        if (s.IsSpecial)
        {
            Add(new PlanStep { Kind = StepKind.SkipSpecial, RelativePath = rel, Source = s, Existing = d, Reason = SpecialReason(s.Kind) });
            return;
        }
        if (s.Kind != d.Kind)
        {
            PlanTypeChange(s, d, rel);
            return;
        }
        switch (s.Kind)
        {
            case ItemType.Directory:
                var dirParts = _compare.MetadataDiff(s, d, rel, out string dirReason, compareTimes: false);
                if (dirParts != MetadataParts.None)
                    Add(new PlanStep { Kind = StepKind.UpdateMetadata, RelativePath = rel, Source = s, Existing = d, Metadata = dirParts, Reason = dirReason });
                PlanFolder(s, d, rel + "/");
                break;
            case ItemType.File when _memberOf.TryGetValue(s, out var group) && group.LeaderPath != rel:
                PlanFollower(s, d, rel, group);
                break;
            case ItemType.File:
                PlanFile(s, d, rel);
                break;
            case ItemType.SymbolicLink:
                if (!string.Equals(s.LinkTarget, d.LinkTarget, StringComparison.Ordinal))
                {
                    Add(new PlanStep
                    {
                        Kind = StepKind.UpdateSymlink,
                        RelativePath = rel,
                        Source = s,
                        Existing = d,
                        OldDisposition = DecideReplaced(d.Kind, s.Kind),
                        Reason = "Link target differs",
                    });
                    break;
                }
                var linkParts = _compare.MetadataDiff(s, d, rel, out string linkReason, compareTimes: true);
                if (linkParts == MetadataParts.None) AddKeep(rel, s, d);
                else Add(new PlanStep { Kind = StepKind.UpdateMetadata, RelativePath = rel, Source = s, Existing = d, Metadata = linkParts, Reason = linkReason });
                break;
        }
    }

    /// <summary>Unchanged items become steps only for destinations that carry them forward (images).</summary>
    private void AddKeep(string rel, FsEntry s, FsEntry d)
    {
        if (_settings.Traits.RecordsUnchanged)
            Add(new PlanStep { Kind = StepKind.Keep, RelativePath = rel, Source = s, Existing = d, Reason = "Unchanged" });
    }

    /// <summary>The disposition of an item replaced by a newer version (where it sits does not matter then).</summary>
    private Disposition DecideReplaced(ItemType existing, ItemType? wanted) =>
        SafetyNetRules.Decide(_settings.Mode, _settings.ProtectRoot, Displacement.Modified, atRoot: false, existing, wanted);

    private void PlanFile(FsEntry s, FsEntry d, string rel)
    {
        string? contentReason = _compare.ContentDiffers(s, d, rel);
        if (contentReason is not null)
        {
            var step = new PlanStep
            {
                Kind = StepKind.UpdateFile,
                RelativePath = rel,
                Source = s,
                Existing = d,
                OldDisposition = DecideReplaced(d.Kind, s.Kind),
                Reason = contentReason,
            };
            Add(step);
            NoteLeader(s, d, step);
            return;
        }
        var parts = _compare.MetadataDiff(s, d, rel, out string reason, compareTimes: true);
        if (parts == MetadataParts.None)
        {
            AddKeep(rel, s, d);
            NoteLeader(s, d, null);
            return;
        }
        var metaStep = new PlanStep { Kind = StepKind.UpdateMetadata, RelativePath = rel, Source = s, Existing = d, Metadata = parts, Reason = reason };
        Add(metaStep);
        NoteLeader(s, d, metaStep);
    }

    private void PlanFollower(FsEntry s, FsEntry d, string rel, HardLinkGroup group)
    {
        var leader = group.LeaderExisting;
        if (d.Kind == ItemType.File && !group.LeaderChanges && leader is not null
            && leader.Inode == d.Inode && leader.Device == d.Device)
        {
            AddKeep(rel, s, d);
            return;
        }
        bool sameContent = d.Kind == ItemType.File && !group.LeaderChanges && _compare.ContentDiffers(s, d, rel) is null;
        Add(new PlanStep
        {
            Kind = StepKind.MakeHardLink,
            RelativePath = rel,
            Source = s,
            Existing = d,
            Group = group,
            OldDisposition = sameContent ? Disposition.Delete : DecideReplaced(d.Kind, s.Kind),
            Reason = $"Hard link to {group.LeaderPath}",
        });
    }

    private void PlanTypeChange(FsEntry s, FsEntry d, string rel)
    {
        var disposition = DecideReplaced(d.Kind, s.Kind);
        string reason = $"Type changed ({d.Kind} -> {s.Kind})";
        if (disposition == Disposition.Fail)
        {
            Add(new PlanStep
            {
                Kind = StepKind.Fail,
                RelativePath = rel,
                Source = s,
                Existing = d,
                Reason = $"{reason}: with SafetyNet KeepAll a folder is never replaced. Move or rename '{rel}' on the destination, or run with -SafetyNet On",
            });
            return;
        }
        bool folderInvolved = s.Kind == ItemType.Directory || d.Kind == ItemType.Directory;
        if (folderInvolved)
        {
            // A folder cannot be swapped atomically: take the old item away first, then create the new one.
            Add(new PlanStep { Kind = StepKind.Remove, RelativePath = rel, Existing = d, OldDisposition = disposition, Why = Displacement.Modified, Reason = reason });
            if (s.Kind == ItemType.Directory)
            {
                Add(new PlanStep { Kind = StepKind.MakeDirectory, RelativePath = rel, Source = s, Reason = reason, ReplacesOtherType = true });
                PlanFolder(s, null, rel + "/");
                return;
            }
            PlanNewReplacing(s, rel, null, Disposition.Leave, reason);
            return;
        }
        PlanNewReplacing(s, rel, d, disposition, reason);
    }

    private void PlanNewReplacing(FsEntry s, string rel, FsEntry? existing, Disposition disposition, string reason)
    {
        if (s.IsSpecial)
        {
            Add(new PlanStep { Kind = StepKind.SkipSpecial, RelativePath = rel, Source = s, Reason = SpecialReason(s.Kind) });
            return;
        }
        if (s.Kind == ItemType.File && _memberOf.TryGetValue(s, out var group) && group.LeaderPath != rel)
        {
            Add(new PlanStep { Kind = StepKind.MakeHardLink, RelativePath = rel, Source = s, Existing = existing, OldDisposition = disposition, Group = group, Reason = reason, ReplacesOtherType = true });
            return;
        }
        var step = new PlanStep
        {
            Kind = s.Kind == ItemType.File ? StepKind.CopyFile : StepKind.MakeSymlink,
            RelativePath = rel,
            Source = s,
            Existing = existing,
            OldDisposition = disposition,
            Reason = reason,
            ReplacesOtherType = true,
        };
        Add(step);
        if (s.Kind == ItemType.File) NoteLeader(s, null, step);
    }
}
