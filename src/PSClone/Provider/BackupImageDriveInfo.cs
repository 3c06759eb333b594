using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Provider;

/// <summary>A drive of the BackupImage provider: the drive info PowerShell keeps, holding the open
/// view of the image until the drive is removed.</summary>
internal sealed class BackupImageDriveInfo : PSDriveInfo
{
    public BackupImageDriveInfo(string name, ProviderInfo provider, ImageDriveView view, string? description, PSCredential? credential)
        : base(name, provider, view.Root, description ?? Describe(view), credential)
    {
        View = view;
    }

    public ImageDriveView View { get; }

    private static string Describe(ImageDriveView view) => view.Snapshot is { } s
        ? $"Backup image {view.Image}, snapshot {s.Id} of {s.Time:yyyy-MM-dd HH:mm:ss} (read-only)"
        : $"Backup image {view.Image}, every snapshot (read-only)";
}
