using System.Runtime.InteropServices;

namespace PSClone.Platform;

/// <summary>Chooses the file-system implementation for this process.</summary>
internal static class FileSystems
{
    private static readonly Lazy<IFileSystem> Instance = new(Create);

    public static IFileSystem Current => Instance.Value;

    /// <summary>Native Linux unless PSCLONE_PLATFORM=portable asks for the .NET-only implementation.</summary>
    private static IFileSystem Create()
    {
        bool portable = string.Equals(Environment.GetEnvironmentVariable("PSCLONE_PLATFORM"), "portable", StringComparison.OrdinalIgnoreCase);
        if (!portable && RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            return new LinuxFileSystem();
        return new PortableFileSystem();
    }
}
