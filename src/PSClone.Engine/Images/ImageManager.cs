using System.Security.Cryptography;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>Every backup image operation, for the cmdlets and the CLI. Each takes the passphrase
/// (null for unencrypted images), reports through <see cref="IEngineEvents"/> and honours the
/// cancellation token; failures are <see cref="PSCloneException"/>s with stable error ids.
/// Backing up a folder goes through the clone pipeline (CloneEngine with the image as destination).</summary>
public sealed class ImageManager
{
    /// <summary>A passphrase shorter than this is refused when an image is created or its passphrase changed.</summary>
    public const int MinimumPassphraseLength = 8;

    private readonly IFileSystem _fs;

    public ImageManager()
        : this(FileSystems.Current)
    {
    }

    internal ImageManager(IFileSystem fs) => _fs = fs;

    /// <summary>What can be read without the passphrase; null when the path is not an image.</summary>
    public static BackupImageHeader? Probe(string path)
    {
        if (!BackupImage.IsImage(Path.GetFullPath(path).TrimEnd('/'))) return null;
        try
        {
            using var image = BackupImage.OpenHeads(path, writable: false);
            return new BackupImageHeader
            {
                Path = image.Path,
                Layout = image.Head.Layout,
                Encryption = image.Head.Encryption,
                FormatVersion = $"{image.Head.Major}.{image.Head.Minor}",
                Sealed = image.Head.Sealed,
            };
        }
        catch (PSCloneException ex) when (ex.ErrorId is "ImageBusy")
        {
            return null;
        }
    }

    public BackupImageInfo Create(ImageCreateRequest request, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        string path = Path.GetFullPath(request.Path).TrimEnd('/');
        if (File.Exists(path) || Directory.Exists(path)) throw ImageErrors.Exists(path);
        string parent = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(parent))
            throw new PSCloneException("ImageParentNotFound", FailureKind.ObjectNotFound,
                $"The folder '{parent}' that would hold the image does not exist. Create it first, or check that its drive is mounted.", path);
        var layout = request.Layout ?? (path.EndsWith(ImageFormat.BundleExtension, StringComparison.OrdinalIgnoreCase) ? ImageLayout.Bundle : ImageLayout.SingleFile);
        bool encrypted = request.Encryption != ImageEncryption.None;
        if (encrypted && passphrase is null) throw ImageErrors.PassphraseRequired(path);
        if (encrypted && passphrase!.Length < MinimumPassphraseLength) throw PassphraseTooShort();
        var chunker = request.ChunkSize is { } avg ? ChunkerParameters.ForAverage(avg) : ChunkerParameters.Default;
        if (request.ChunkSize is { } a && (a < 4096 || a > (16 << 20) || (a & (a - 1)) != 0))
            throw Bad("InvalidChunkSize", $"The chunk size must be a power of two from 4 KiB to 16 MiB, not {a}.");
        if (request.PackSize is { } ps && (ps < (64 << 10) || ps > (1 << 30)))
            throw Bad("InvalidPackSize", $"The pack size must be from 64 KiB to 1 GiB, not {ps}.");
        if (request.KdfIterations is { } it && (it < 1000 || it > KeySlot.MaximumIterations))
            throw Bad("InvalidKdfIterations", $"The key derivation needs 1000 to {KeySlot.MaximumIterations} iterations, not {it}.");
        long capacity = request.Capacity ?? _fs.GetAvailableBytes(parent);
        if (capacity < 1 << 20) throw Bad("InvalidCapacity", $"The capacity must be at least 1 MB, not {ByteSize.Format(capacity)}.");

        foreach (var stale in Directory.EnumerateFileSystemEntries(parent, "." + Path.GetFileName(path) + ".tmp-*"))
            FileSystemTrees.Delete(_fs, stale, cancel);
        string temp = Path.Combine(parent, "." + Path.GetFileName(path) + ".tmp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());

        var imageId = RandomNumberGenerator.GetBytes(16);
        var master = RandomNumberGenerator.GetBytes(32);
        try
        {
            events.Verbose(encrypted ? "Deriving the key from the passphrase..." : "Creating the image...");
            var slot = encrypted
                ? KeySlot.Wrap(master, passphrase!, request.KdfIterations ?? KeySlot.Calibrate(), imageId, request.Encryption)
                : KeySlot.Clear(master);
            var config = new ImageConfig
            {
                Layout = layout,
                Encryption = request.Encryption,
                Chunker = chunker,
                PackTargetSize = request.PackSize ?? 32 << 20,
                Capacity = capacity,
            };
            ImageStorage storage = layout == ImageLayout.Bundle ? BundleStorage.Create(temp) : SingleFileStorage.Open(temp, writable: true, create: true);
            storage.ImageId = imageId;
            var head = new ImageHead { Layout = layout, Encryption = request.Encryption, ImageId = imageId, Slots = new[] { slot } };
            var manifest = new Manifest { ImageId = imageId, Config = config };
            using (var image = BackupImage.Initialize(path, storage, head, new ImageKeys(master, imageId, request.Encryption), manifest))
            using (var session = new ImageSession(image))
            {
                session.Commit(_ => { });
            }
            if (layout == ImageLayout.Bundle) Directory.Move(temp, path);
            else File.Move(temp, path, overwrite: false);
            _fs.FlushDirectory(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            if (File.Exists(path) || Directory.Exists(path)) throw ImageErrors.Exists(path);
            throw ImageErrors.WriteFailed(path, ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
        }
        using var created = BackupImage.Open(path, passphrase, writable: false);
        return created.Describe();
    }

    private void TryDelete(string path)
    {
        try { FileSystemTrees.Delete(_fs, path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    internal static PSCloneException Bad(string id, string message) => new(id, FailureKind.InvalidArgument, message);

    private static PSCloneException PassphraseTooShort() => Bad("PassphraseTooShort",
        $"The passphrase must have at least {MinimumPassphraseLength} characters; a long phrase of several words is best.");

    /// <summary>Opens an image for browsing (shared with other readers) until the browser is disposed.</summary>
    public ImageBrowser OpenBrowser(string image, Passphrase? passphrase) => new(BackupImage.Open(image, passphrase, writable: false));

    public BackupImageInfo GetInfo(string image, Passphrase? passphrase, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: false);
        return img.Describe();
    }

    /// <summary>Snapshots, oldest first.</summary>
    public IReadOnlyList<BackupSnapshot> GetSnapshots(string image, Passphrase? passphrase, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: false);
        return img.Manifest.Snapshots.Select(s => s.ToPublic(img.Path)).ToList();
    }

    /// <summary>Sets the capacity (a commit). Refuses to go below what the image holds.</summary>
    public BackupImageInfo Resize(string image, long capacity, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: true);
        long size = img.Manifest.Size;
        if (capacity < size)
            throw new PSCloneException("CapacityTooSmall", FailureKind.InvalidArgument,
                $"The image '{img.Path}' holds {ByteSize.Format(size)}, more than the capacity {ByteSize.Format(capacity)}. " +
                "Remove snapshots and compact it first, or choose a larger capacity.", img.Path);
        long free = _fs.GetAvailableBytes(Path.GetDirectoryName(img.Path)!);
        if (capacity - size > free)
            events.Warning($"The disk holding '{img.Path}' has only {ByteSize.Format(free)} free; the image can grow by {ByteSize.Format(capacity - size)} only if space is freed there.");
        using (var session = new ImageSession(img))
        {
            session.Commit(m => m.Config = m.Config with { Capacity = capacity });
        }
        return img.Describe();
    }

    /// <summary>Adds a key slot for the new passphrase, commits, then removes the old slot and commits
    /// again (format §3.2): at every instant one of the two opens the image. Nothing else is rewritten.</summary>
    public void ChangePassphrase(string image, Passphrase current, Passphrase replacement, int? kdfIterations, IEngineEvents events, CancellationToken cancel)
    {
        if (kdfIterations is { } it && (it < 1000 || it > KeySlot.MaximumIterations))
            throw Bad("InvalidKdfIterations", $"The key derivation needs 1000 to {KeySlot.MaximumIterations} iterations, not {it}.");
        using var img = BackupImage.OpenHeads(image, writable: true);
        // An unencrypted image (or a missing one) is named as such before the new passphrase is judged.
        if (img.Head.Encryption == ImageEncryption.None)
            throw new PSCloneException("ImageNotEncrypted", FailureKind.InvalidOperation,
                $"The image '{img.Path}' is not encrypted, so it has no passphrase to change.", img.Path);
        if (replacement.Length < MinimumPassphraseLength) throw PassphraseTooShort();
        img.Unlock(current);
        var slots = img.Head.Slots;
        var opened = img.OpenedSlot ?? throw ImageErrors.WrongPassphrase(img.Path);
        var added = KeySlot.Wrap(img.Keys.MasterKey, replacement, kdfIterations ?? (int)Math.Max(opened.Iterations, 1000), img.Head.ImageId, img.Head.Encryption);
        if (slots.Count >= ImageFormat.MaxKeySlots) slots = slots.Where(s => s != opened).ToList();
        try
        {
            img.WriteHeads(img.Head with { Sequence = img.Head.Sequence + 1, Slots = slots.Append(added).ToList() });
            cancel.ThrowIfCancellationRequested();
            img.WriteHeads(img.Head with { Sequence = img.Head.Sequence + 1, Slots = img.Head.Slots.Where(s => !ReferenceEquals(s, opened)).ToList() });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ImageErrors.WriteFailed(img.Path, ex);
        }
        events.Verbose("The passphrase was changed; the old one no longer opens the image.");
    }

    public ImageRestoreResult Restore(ImageRestoreRequest request, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(request.Image, passphrase, writable: false);
        var snapshot = img.FindSnapshot(request.Snapshot);
        return new ImageRestorer(_fs, img, request, events).Run(snapshot, cancel);
    }

    /// <summary>Emits a <see cref="BackupImageEntry"/> per item under <paramref name="path"/> (the
    /// folder's contents, or the item itself when it is not a folder); returns how many.</summary>
    public long ListItems(string image, string? snapshot, string? path, bool recurse, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: false);
        var snap = img.FindSnapshot(snapshot);
        string wanted = (path ?? "").Trim().Trim('/');
        var node = snap.Root;
        string at = "";
        if (wanted.Length > 0)
        {
            foreach (var part in wanted.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (node.Type != ItemType.Directory) throw PathNotFound(img.Path, snap, wanted);
                node = ReadTree(img, node.Subtree).FirstOrDefault(c => c.Name == part) ?? throw PathNotFound(img.Path, snap, wanted);
                at = at.Length == 0 ? part : at + "/" + part;
            }
            if (node.Type != ItemType.Directory)
            {
                events.Item(Entry(img.Path, snap, at, node));
                return 1;
            }
        }
        long count = 0;
        void List(TreeNode folder, string prefix)
        {
            cancel.ThrowIfCancellationRequested();
            foreach (var child in ReadTree(img, folder.Subtree))
            {
                string rel = prefix.Length == 0 ? child.Name : prefix + "/" + child.Name;
                events.Item(Entry(img.Path, snap, rel, child));
                count++;
                if (recurse && child.Type == ItemType.Directory) List(child, rel);
            }
        }
        if (snap.Kind == SnapshotKind.Block)
        {
            events.Item(Entry(img.Path, snap, Path.GetFileName(snap.Source), snap.Root));
            return 1;
        }
        List(node, at);
        return count;
    }

    private static List<TreeNode> ReadTree(BackupImage img, ChunkId id)
    {
        try
        {
            return img.ReadTree(id);
        }
        catch (ImageFormatException ex)
        {
            throw ImageErrors.Damaged(img.Path, "a folder listing cannot be read (" + ex.Message + ")", ex);
        }
    }

    private static PSCloneException PathNotFound(string image, SnapshotRecord snap, string path) =>
        new("ImagePathNotFound", FailureKind.ObjectNotFound,
            $"Snapshot {snap.IdText} of '{image}' has no item '{path}'. List its items with 'psclone image ls {image} --snapshot {snap.IdText}'.", path);

    internal static BackupImageEntry Entry(string image, SnapshotRecord snap, string rel, TreeNode node) => new()
    {
        Image = image,
        SnapshotId = snap.IdText,
        Path = rel,
        Name = rel.Contains('/') ? rel[(rel.LastIndexOf('/') + 1)..] : rel,
        ItemType = node.Type,
        Size = node.Type == ItemType.File ? node.Size : 0,
        LastWriteTime = DateTimeOffset.UnixEpoch.AddTicks(node.MTimeNs / 100).ToLocalTime(),
        Mode = ModeString(node.Type, node.Mode),
        Permissions = node.Mode,
        Uid = node.Uid,
        Gid = node.Gid,
        LinkTarget = node.LinkTarget,
        Sparse = node.Content is { } c && c.Extents is { } e && e.Any(x => x.Hole),
    };

    internal static string ModeString(ItemType type, uint mode)
    {
        var c = new char[10];
        c[0] = type switch { ItemType.Directory => 'd', ItemType.SymbolicLink => 'l', _ => '-' };
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) c[1 + i] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        if ((mode & 0x800) != 0) c[3] = c[3] == 'x' ? 's' : 'S';
        if ((mode & 0x400) != 0) c[6] = c[6] == 'x' ? 's' : 'S';
        if ((mode & 0x200) != 0) c[9] = c[9] == 'x' ? 't' : 'T';
        return new string(c);
    }

    /// <summary>Removes snapshots by id or by a retention policy, then collects the space they alone
    /// used (format §14). Emits and returns the removed snapshots.</summary>
    public IReadOnlyList<BackupSnapshot> Forget(ImageForgetRequest request, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        if (request.Snapshots.Count == 0 && RetentionPolicy.IsEmpty(request))
            throw Bad("ForgetNeedsSnapshotOrPolicy", "Name the snapshots to remove, or give a retention policy (keep last, hourly, daily, weekly, monthly).");
        foreach (var n in new[] { request.KeepLast, request.KeepHourly, request.KeepDaily, request.KeepWeekly, request.KeepMonthly })
        {
            if (n is < 0) throw Bad("InvalidRetention", $"A retention count must be 0 or more, not {n}.");
        }
        using var img = BackupImage.Open(request.Image, passphrase, writable: !request.DryRun);
        var snapshots = img.Manifest.Snapshots;
        HashSet<ulong> remove;
        if (request.Snapshots.Count > 0)
        {
            remove = request.Snapshots.Select(id => img.FindSnapshot(id).Id).ToHashSet();
        }
        else
        {
            var keep = RetentionPolicy.Keep(snapshots, request);
            remove = snapshots.Where(s => !keep.Contains(s.Id)).Select(s => s.Id).ToHashSet();
        }
        var removed = snapshots.Where(s => remove.Contains(s.Id)).Select(s => s.ToPublic(img.Path)).ToList();
        foreach (var s in removed) events.Item(s);
        if (request.DryRun || removed.Count == 0) return removed;
        if (!events.ShouldProcess(img.Path, $"Remove {removed.Count} snapshot(s) from the image"))
            return Array.Empty<BackupSnapshot>();
        using (var session = new ImageSession(img))
        {
            session.Commit(m => m.Snapshots.RemoveAll(s => remove.Contains(s.Id)));
        }
        new ImageCollector(img, events).Run(shrink: false, cancel);
        return removed;
    }

    /// <summary>Collects unused space and gives it back to the disk (Optimize-BackupImage).</summary>
    public ImageCompactResult Compact(string image, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: true);
        return new ImageCollector(img, events).Run(shrink: true, cancel);
    }

    /// <summary>Writes a sealed, read-only, recompressed copy (Compress-BackupImage); the same passphrase opens it.</summary>
    public BackupImageInfo Compress(string image, string output, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: false);
        return new Sealer(_fs, events).Run(img, output, cancel);
    }

    /// <summary>Checks the image (and with <paramref name="readData"/> every byte); problems are
    /// emitted as <see cref="ImageVerifyFinding"/> items. A sealed image always has its seal checked.</summary>
    public ImageVerifyResult Verify(string image, bool readData, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel) =>
        new ImageVerifier(events).Run(image, readData, passphrase, cancel);

    /// <summary>Backs up a block device or image file into the image as a block snapshot.</summary>
    public BackupSnapshot BackupDevice(string device, string image, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: true);
        return new BlockImages(_fs, events).Backup(img, device, cancel);
    }

    /// <summary>Restores a block snapshot to a device or file (created when missing) of at least its size.</summary>
    public ImageRestoreResult RestoreDevice(string image, string target, string? snapshot, bool force, Passphrase? passphrase, IEngineEvents events, CancellationToken cancel)
    {
        using var img = BackupImage.Open(image, passphrase, writable: false);
        string? wanted = snapshot;
        var snap = wanted is null or "latest"
            ? img.Manifest.Snapshots.LastOrDefault(s => s.Kind == SnapshotKind.Block)
                ?? throw new PSCloneException("NoBlockSnapshot", FailureKind.ObjectNotFound, $"The image '{img.Path}' has no block-level snapshot.", img.Path)
            : img.FindSnapshot(wanted);
        return new BlockImages(_fs, events).Restore(img, snap, target, force, cancel);
    }
}
