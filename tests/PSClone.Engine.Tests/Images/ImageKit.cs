using PSClone.Cloning;
using PSClone.Images;
using PSClone.Tests.Support;

namespace PSClone.Tests.Images;

/// <summary>Creates, fills and restores images for tests: small chunks and packs so small trees
/// exercise many chunks and packs, and a cheap key derivation.</summary>
internal static class ImageKit
{
    public const string Secret = "correct horse battery staple";

    public static Passphrase? PassFor(ImageEncryption encryption) => encryption == ImageEncryption.None ? null : new Passphrase(Secret);

    public static BackupImageInfo Create(string path, ImageLayout layout = ImageLayout.SingleFile, ImageEncryption encryption = ImageEncryption.None,
        long? capacity = null, int chunkSize = 16 << 10, int packSize = 256 << 10)
    {
        using var pass = PassFor(encryption);
        return new ImageManager().Create(new ImageCreateRequest
        {
            Path = path,
            Layout = layout,
            Encryption = encryption,
            Capacity = capacity,
            KdfIterations = 1000,
            ChunkSize = chunkSize,
            PackSize = packSize,
        }, pass, NullEngineEvents.Instance, CancellationToken.None);
    }

    public static CloneRunResult Backup(string source, string image, ImageEncryption encryption = ImageEncryption.None, RecordingEvents? events = null,
        Func<CloneRequest, CloneRequest>? adjust = null, CloneEngine? engine = null)
    {
        using var pass = PassFor(encryption);
        var request = new CloneRequest
        {
            Source = source,
            Destination = image,
            Passphrase = pass,
            RetryDelay = TimeSpan.Zero,
            SafetyNetLimits = new SafetyNetLimits { MinFreeBytes = 0 },
            MaxDeletePercent = 100,
        };
        if (adjust is not null) request = adjust(request);
        return (engine ?? new CloneEngine()).Run(request, events ?? new RecordingEvents(), CancellationToken.None);
    }

    public static ImageRestoreResult Restore(string image, string target, string? snapshot = null, ImageEncryption encryption = ImageEncryption.None,
        RecordingEvents? events = null, params string[] paths)
    {
        using var pass = PassFor(encryption);
        return new ImageManager().Restore(new ImageRestoreRequest { Image = image, Target = target, Snapshot = snapshot, Paths = paths },
            pass, events ?? new RecordingEvents(), CancellationToken.None);
    }

    public static IReadOnlyList<BackupSnapshot> Snapshots(string image, ImageEncryption encryption = ImageEncryption.None)
    {
        using var pass = PassFor(encryption);
        return new ImageManager().GetSnapshots(image, pass, CancellationToken.None);
    }

    public static ImageVerifyResult Verify(string image, bool readData, ImageEncryption encryption = ImageEncryption.None, RecordingEvents? events = null)
    {
        using var pass = PassFor(encryption);
        return new ImageManager().Verify(image, readData, pass, events ?? new RecordingEvents(), CancellationToken.None);
    }

    /// <summary>Bytes an image occupies (all its files for a bundle).</summary>
    public static long Bytes(string image) =>
        Directory.Exists(image) ? Directory.EnumerateFiles(image, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : new FileInfo(image).Length;

    /// <summary>Every file of an image (the image file, or every file of a bundle).</summary>
    public static List<string> Files(string image) =>
        Directory.Exists(image) ? Directory.EnumerateFiles(image, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToList()
        : new List<string> { image };
}
