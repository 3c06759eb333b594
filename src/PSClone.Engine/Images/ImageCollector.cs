using PSClone.Cloning;

namespace PSClone.Images;

/// <summary>Garbage collection and compaction (format §14): marks what the snapshots reference,
/// drops packs with nothing live, copies the live records of partly dead packs (byte for byte)
/// into new packs, writes one merged index, commits; then releases the old packs. Compaction of a
/// SingleFile image then moves packs down into gaps (one commit per move) and truncates the file.</summary>
internal sealed class ImageCollector
{
    private readonly BackupImage _image;
    private readonly IEngineEvents _events;

    public ImageCollector(BackupImage image, IEngineEvents events)
    {
        _image = image;
        _events = events;
    }

    public ImageCompactResult Run(bool shrink, CancellationToken cancel)
    {
        long sizeBefore = _image.Manifest.Size, diskBefore = _image.Storage.DiskSize();
        var live = Mark(cancel);
        var (dropped, rewritten) = Sweep(live, cancel);
        if (shrink && _image.Storage is SingleFileStorage single) Shrink(single, cancel);
        return new ImageCompactResult
        {
            Image = _image.Path,
            PacksRemoved = dropped,
            PacksRewritten = rewritten,
            SizeBefore = sizeBefore,
            SizeAfter = _image.Manifest.Size,
            DiskSizeBefore = diskBefore,
            DiskSizeAfter = _image.Storage.DiskSize(),
        };
    }

    /// <summary>Every id reachable from a snapshot. A listing that cannot be read stops the collection:
    /// without it, live chunks would look dead.</summary>
    private HashSet<ChunkId> Mark(CancellationToken cancel)
    {
        var live = new HashSet<ChunkId>();
        void File(TreeNode node)
        {
            if (node.Content!.Lists is { } lists) foreach (var l in lists) live.Add(l.Id);
            foreach (var e in _image.ResolveExtents(node.Content)) if (!e.Hole) live.Add(e.Id);
        }
        void Folder(ChunkId tree)
        {
            cancel.ThrowIfCancellationRequested();
            if (!live.Add(tree)) return;
            foreach (var child in _image.ReadTree(tree))
            {
                if (child.Type == ItemType.Directory) Folder(child.Subtree);
                else if (child.Type == ItemType.File) File(child);
            }
        }
        try
        {
            foreach (var snapshot in _image.Manifest.Snapshots)
            {
                if (snapshot.Root.Type == ItemType.Directory) Folder(snapshot.Root.Subtree);
                else File(snapshot.Root);
            }
        }
        catch (ImageFormatException ex)
        {
            throw ImageErrors.Damaged(_image.Path, $"a folder listing cannot be read ({ex.Message}), so unused data cannot be told apart; nothing was removed", ex);
        }
        return live;
    }

    private (int Dropped, int Rewritten) Sweep(HashSet<ChunkId> live, CancellationToken cancel)
    {
        var entries = _image.Index.All();
        var liveEntries = entries.Where(e => live.Contains(e.Id)).ToArray();
        var liveBytes = liveEntries.GroupBy(e => e.Pack).ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Length));
        uint manifestPack = _image.Head.Manifest.Pack;
        var drop = new List<PackInfo>();
        var rewrite = new List<PackInfo>();
        foreach (var pack in _image.Manifest.Packs)
        {
            long used = liveBytes.GetValueOrDefault(pack.Number);
            if (used == 0) drop.Add(pack);
            else if (used < pack.Length - ImageFormat.PackHeaderSize || pack.Number == manifestPack || pack.IsMetadata) rewrite.Add(pack);
        }
        // Metadata packs always hold superseded index blobs and manifests after a collection, so they are rewritten.
        if (drop.Count == 0 && rewrite.All(p => p.IsMetadata) && rewrite.Count <= 1 && entries.Length == liveEntries.Length) return (0, 0);

        var index = new ChunkIndex(Math.Max(1024, liveEntries.Length));
        foreach (var e in liveEntries) index.Add(e);
        var moving = liveEntries.Where(e => rewrite.Any(p => p.Number == e.Pack)).OrderBy(e => e.Pack).ThenBy(e => e.Offset).ToList();
        var progress = new ProgressTracker(_events, "Compacting " + _image.Path, moving.Count, moving.Sum(e => (long)e.Length));
        using var session = new ImageSession(_image);
        try
        {
            _image.ReplaceIndex(index);
            foreach (var e in moving)
            {
                cancel.ThrowIfCancellationRequested();
                var record = ReadVerified(e);
                var (pack, offset) = e.Kind == BlobKind.Data ? session.AppendData(record) : session.AppendMetadata(record);
                index.SetLocation(e.Id, pack, offset, e.Length, e.RawLength, e.Codec);
                progress.Done(e.Length);
            }
            index.MarkCommitted();
            var gone = drop.Concat(rewrite).Select(p => p.Number).ToHashSet();
            session.Commit(m => m.Packs.RemoveAll(p => gone.Contains(p.Number)), rewriteIndex: true);
        }
        catch
        {
            _image.ReplaceIndex(RebuildCommitted(entries));
            throw;
        }
        finally
        {
            progress.Complete();
        }
        _events.Verbose($"Removed {drop.Count} pack(s) and rewrote {rewrite.Count}.");
        return (drop.Count, rewrite.Count);
    }

    private static ChunkIndex RebuildCommitted(IndexEntry[] entries)
    {
        var index = new ChunkIndex(entries.Length);
        foreach (var e in entries) index.Add(e);
        index.MarkCommitted();
        return index;
    }

    /// <summary>A record's bytes after checking it decodes (the mirror copy for a damaged metadata record).</summary>
    private byte[] ReadVerified(IndexEntry e)
    {
        var pack = _image.Packs[e.Pack];
        foreach (bool mirror in pack.IsMetadata ? new[] { false, true } : new[] { false })
        {
            try
            {
                var record = new byte[e.Length];
                _image.Storage.Read(pack, mirror, e.Offset, record);
                var header = BlobCodec.ReadHeader(record);
                BlobCodec.DecodeInto(_image.Keys, record, header, e.Kind, e.Id, checkId: false, new byte[header.RawLength]);
                return record;
            }
            catch (Exception ex) when (ex is ImageFormatException or IOException)
            {
                if (mirror || !pack.IsMetadata)
                    throw ImageErrors.Damaged(_image.Path, $"chunk {e.Id} in {_image.Storage.Describe(pack, false)} is damaged ({ex.Message}); compaction stopped so that nothing more is lost");
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Moves the highest pack region into the lowest gap below it that fits, one commit per
    /// move (the commit's own manifest pack goes into a low gap too), until none fits; then the next
    /// session truncates the file at the new committed end.</summary>
    private void Shrink(SingleFileStorage storage, CancellationToken cancel)
    {
        for (int moves = 0; moves < 100_000; moves++)
        {
            cancel.ThrowIfCancellationRequested();
            using var session = new ImageSession(_image) { PreferGaps = true };
            var top = _image.Manifest.Packs
                .SelectMany(p => p.IsMetadata ? new[] { (Pack: p, Mirror: false, Start: p.Location), (Pack: p, Mirror: true, Start: p.MirrorLocation) } : new[] { (Pack: p, Mirror: false, Start: p.Location) })
                .OrderByDescending(r => r.Start).FirstOrDefault();
            if (top.Pack is null) break;
            if (storage.TakeGapBelow(top.Pack.Length, top.Start) is not long gap) break;
            storage.CopyRegion(top.Start, top.Pack.Length, gap);
            var moved = top.Mirror ? top.Pack with { MirrorLocation = gap } : top.Pack with { Location = gap };
            session.Commit(m => m.Packs = m.Packs.Select(p => p.Number == moved.Number ? moved : p).ToList());
        }
        using (new ImageSession(_image)) { } // truncates the file at the committed end
    }
}
