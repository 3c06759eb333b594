namespace PSClone.Platform;

/// <summary>Metadata a destination could not keep, reported once per run instead of silently dropped.</summary>
[Flags]
public enum MetadataLoss
{
    None = 0,
    Owner = 1,
    ExtendedAttributes = 2,
    Permissions = 4,
    Timestamps = 8,
    HardLinks = 16,
    Sparseness = 32,
    FileAttributes = 64,
}

/// <summary>Which metadata of an existing entry to set.</summary>
[Flags]
internal enum MetadataParts
{
    None = 0,
    Mode = 1,
    Owner = 2,
    Times = 4,
    Xattrs = 8,
    Attributes = 16,
    All = Mode | Owner | Times | Xattrs | Attributes,
}

internal readonly record struct CopyOutcome(long BytesCopied, long Size, long MTimeNs, MetadataLoss Loss);

/// <summary>The source changed (size or time) while it was being copied.</summary>
internal sealed class SourceChangedException(string path) : IOException($"'{path}' changed while it was being copied.")
{
    public string Path { get; } = path;
}

/// <summary>The one interface to the file system; <see cref="FileSystems.Current"/> picks the
/// implementation for this OS. Everything here uses lstat semantics: links are never followed.</summary>
internal interface IFileSystem
{
    /// <summary>True when owners and groups can be set (root on Unix).</summary>
    bool CanPreserveOwner { get; }

    /// <summary>True when a symbolic link's own modification time can be set.</summary>
    bool CanSetLinkTimes { get; }

    /// <summary>The effective user id of this process where owners exist (Unix); null elsewhere.</summary>
    uint? ProcessUid { get; }

    /// <summary>Metadata this implementation never preserves, whatever the destination.</summary>
    MetadataLoss AlwaysLost { get; }

    /// <summary>Adds the entries of a folder (not recursive) to <paramref name="into"/>. Entries that
    /// cannot be read are reported through <paramref name="onEntryError"/> and left out.</summary>
    void ReadDirectory(string path, List<FsEntry> into, bool withXattrs, Action<string, Exception> onEntryError);

    /// <summary>The user extended attributes of an item (empty where there are none or none are supported).</summary>
    XattrSet ReadXattrs(string path);

    /// <summary>The entry at a path, or null when nothing is there.</summary>
    FsEntry? TryGetEntry(string path, bool withXattrs);

    /// <summary>The entry of a file open for reading (<paramref name="path"/> is where it was opened,
    /// for messages; the entry is named <paramref name="name"/>): what is recorded for a file is then
    /// the file that was read, even if something else takes its path meanwhile.</summary>
    FsEntry GetEntry(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, string name);

    /// <summary>Copies a regular file to <paramref name="target"/>, which must not exist, with its
    /// content (holes kept), permissions, owner when possible, extended attributes and times.</summary>
    CopyOutcome CopyFile(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel);

    /// <summary>Copies a regular file to <paramref name="target"/>, which must not exist, so that the
    /// name appears only when the copy is complete (no temp name, no rename). False, with nothing
    /// done, where the file system cannot do that; the caller then copies to a temp name and renames.</summary>
    bool TryCopyFileNew(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel, out CopyOutcome outcome);

    /// <summary>Sets metadata on an existing entry (never following a link).</summary>
    MetadataLoss ApplyMetadata(string path, FsEntry desired, MetadataParts parts);

    void CreateDirectory(string path);
    void CreateSymbolicLink(string path, string target);
    void CreateHardLink(string existingPath, string newPath);

    /// <summary>Renames within one volume; replaces an existing file or link atomically.</summary>
    void Rename(string from, string to);

    /// <summary>Deletes a file, link or special file (not a folder).</summary>
    void DeleteFile(string path);

    /// <summary>Deletes an empty folder.</summary>
    void DeleteDirectory(string path);

    /// <summary>Makes a folder's entries durable (fsync of the folder on Unix; nothing on Windows).</summary>
    void FlushDirectory(string path);

    long GetAvailableBytes(string path);

    /// <summary>True when the path is on a network file system (its times come from another clock).</summary>
    bool IsNetworkPath(string path);

    /// <summary>A best-effort identifier of the volume holding a path.</summary>
    string GetVolumeId(string path);

    /// <summary>Opens a regular file for sequential reading without following links.</summary>
    Stream OpenRead(string path);

    /// <summary>Creates a regular file where nothing is (a link there is not followed), open for
    /// writing at any offset, mode 0600 until its metadata is applied. No advisory lock is taken:
    /// the caller has just made up its name.</summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle CreateNew(string path);

    /// <summary>Creates an unnamed regular file in the folder of <paramref name="target"/> (Linux
    /// O_TMPFILE), open for writing; null where the file system cannot. Nothing half-written ever
    /// has a name, and the folder sees one entry added instead of a temp entry created and renamed.</summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle? CreateUnnamed(string target);

    /// <summary>Gives a file from <see cref="CreateUnnamed"/> its metadata (owner, mode, exactly the
    /// given extended attributes, modification time), through its handle, then its name; fails if
    /// something is at <paramref name="target"/>.</summary>
    MetadataLoss NameNewFile(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string target, FsEntry metadata);
}
