namespace PSClone.Images;

/// <summary>What names an image or a snapshot when a host is handed an object instead of text
/// (PowerShell's -Image and -Snapshot arguments): the image of any image result, a drive or a file;
/// the id of a snapshot, an entry or a drive. Anything else is returned as it is, for the host's
/// own conversion to text.</summary>
public static class ImageIdentity
{
    public static object? Image(object? value) => value switch
    {
        BackupImageInfo i => i.Path,
        BackupSnapshot s => s.Image,
        BackupImageEntry e => e.Image,
        BackupImageDrive d => d.Image,
        ImageRestoreResult r => r.Image,
        ImageVerifyResult v => v.Image,
        ImageVerifyFinding f => f.Image,
        ImageCompactResult c => c.Image,
        FileSystemInfo f => f.FullName,
        _ => value,
    };

    public static object? Snapshot(object? value) => value switch
    {
        BackupSnapshot s => s.Id,
        BackupImageEntry e => e.SnapshotId,
        BackupImageDrive { SnapshotId: { } id } => id,
        ImageRestoreResult r => r.SnapshotId,
        _ => value,
    };
}
