namespace PSClone.Platform;

/// <summary>The file system through .NET's own APIs: used on Windows and macOS, and on Linux when
/// PSCLONE_PLATFORM=portable (so its behaviour is tested here too). It keeps content, times,
/// permissions (Unix) or attributes (Windows) and links; owners, xattrs, hard links and holes
/// are not kept and are reported as such.</summary>
internal sealed class PortableFileSystem : IFileSystem
{
    private const FileAttributes KeptAttributes =
        FileAttributes.ReadOnly | FileAttributes.Hidden | FileAttributes.System | FileAttributes.Archive;

    public bool CanPreserveOwner => false;
    public uint? ProcessUid => null;
    public bool CanSetLinkTimes => false;

    public MetadataLoss AlwaysLost =>
        MetadataLoss.Owner | MetadataLoss.ExtendedAttributes | MetadataLoss.HardLinks | MetadataLoss.Sparseness
        | (OperatingSystem.IsWindows() ? MetadataLoss.Permissions : MetadataLoss.FileAttributes);

    public void ReadDirectory(string path, List<FsEntry> into, bool withXattrs, Action<string, Exception> onEntryError)
    {
        var options = new EnumerationOptions
        {
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            RecurseSubdirectories = false,
            ReturnSpecialDirectories = false,
        };
        IEnumerable<FileSystemInfo> infos;
        try
        {
            infos = new DirectoryInfo(path).EnumerateFileSystemInfos("*", options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap("Cannot open folder", path, ex);
        }
        using var e = infos.GetEnumerator();
        while (true)
        {
            FileSystemInfo info;
            try
            {
                if (!e.MoveNext()) break;
                info = e.Current;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Wrap("Cannot read folder", path, ex);
            }
            try
            {
                into.Add(ToEntry(info));
            }
            catch (FileNotFoundException) { }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                onEntryError(info.FullName, Wrap("Cannot read", info.FullName, ex));
            }
        }
    }

    private static FsEntry ToEntry(FileSystemInfo info)
    {
        var attributes = info.Attributes;
        ItemType kind = info.LinkTarget is not null ? ItemType.SymbolicLink
            : (attributes & FileAttributes.Directory) != 0 ? ItemType.Directory
            : ItemType.File;
        var entry = new FsEntry(info.Name, kind)
        {
            MTimeNs = (info.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100,
            Mode = OperatingSystem.IsWindows() ? 0u : (uint)info.UnixFileMode,
            Attributes = OperatingSystem.IsWindows() ? (int)(attributes & KeptAttributes) : 0,
            LinkCount = 1,
        };
        if (kind == ItemType.File)
        {
            entry.Size = ((FileInfo)info).Length;
            entry.AllocatedBytes = entry.Size;
        }
        else if (kind == ItemType.SymbolicLink)
        {
            entry.LinkTarget = info.LinkTarget;
            entry.Size = entry.LinkTarget!.Length;
        }
        return entry;
    }

    public XattrSet ReadXattrs(string path) => XattrSet.Empty;

    /// <summary>Here by path (whose last part is the name): .NET has no status call on an open file.</summary>
    public FsEntry GetEntry(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, string name) =>
        TryGetEntry(path, withXattrs: false) ?? throw new FileNotFoundException($"'{path}' is no longer there.", path);

    public FsEntry? TryGetEntry(string path, bool withXattrs)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists) return null;
        }
        else if ((info.Attributes & FileAttributes.Directory) != 0 && info.LinkTarget is null)
        {
            info = new DirectoryInfo(path);
        }
        return ToEntry(info);
    }

    public CopyOutcome CopyFile(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel)
    {
        var before = new FileInfo(source);
        if (!before.Exists) throw new PlatformIOException("Cannot open", source, 2, IOFailure.NotFound, "it no longer exists");
        long size = before.Length;
        var mtime = before.LastWriteTimeUtc;
        long copied = 0;
        try
        {
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
            using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                var buffer = new byte[1 << 20];
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    output.Write(buffer, 0, n);
                    copied += n;
                }
                if (durable) output.Flush(flushToDisk: true);
            }
            var after = new FileInfo(source);
            if (after.Length != size || after.LastWriteTimeUtc != mtime || copied != size)
                throw new SourceChangedException(source);
            var desired = ToEntry(after);
            var loss = ApplyMetadata(target, desired, MetadataParts.Mode | MetadataParts.Times | MetadataParts.Attributes);
            return new CopyOutcome(copied, size, desired.MTimeNs, loss);
        }
        catch (Exception ex)
        {
            try { File.Delete(target); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (ex is IOException or UnauthorizedAccessException && ex is not PlatformIOException && ex is not SourceChangedException)
                throw Wrap("Cannot copy", source, ex);
            throw;
        }
    }

    public bool TryCopyFileNew(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel, out CopyOutcome outcome)
    {
        outcome = default;
        return false;
    }

    public MetadataLoss ApplyMetadata(string path, FsEntry desired, MetadataParts parts)
    {
        var loss = MetadataLoss.None;
        try
        {
            if ((parts & MetadataParts.Attributes) != 0 && OperatingSystem.IsWindows() && desired.Kind != ItemType.SymbolicLink)
            {
                var current = File.GetAttributes(path);
                var wanted = (current & ~KeptAttributes & ~FileAttributes.ReadOnly) | ((FileAttributes)desired.Attributes & KeptAttributes);
                // Times first while the item is still writable.
                if ((parts & MetadataParts.Times) != 0) SetTimes(path, desired);
                File.SetAttributes(path, wanted);
                return loss;
            }
            if ((parts & MetadataParts.Mode) != 0 && !OperatingSystem.IsWindows() && desired.Kind != ItemType.SymbolicLink)
                File.SetUnixFileMode(path, (UnixFileMode)desired.Mode);
            if ((parts & MetadataParts.Times) != 0 && desired.Kind != ItemType.SymbolicLink) SetTimes(path, desired);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not PlatformIOException)
        {
            throw Wrap("Cannot set metadata of", path, ex);
        }
        if ((parts & MetadataParts.Owner) != 0) loss |= MetadataLoss.Owner;
        if ((parts & MetadataParts.Xattrs) != 0 && desired.Xattrs is { IsEmpty: false }) loss |= MetadataLoss.ExtendedAttributes;
        return loss;
    }

    private static void SetTimes(string path, FsEntry desired)
    {
        var time = new DateTime(DateTime.UnixEpoch.Ticks + desired.MTimeNs / 100, DateTimeKind.Utc);
        if (desired.Kind == ItemType.Directory) Directory.SetLastWriteTimeUtc(path, time);
        else File.SetLastWriteTimeUtc(path, time);
    }

    public void CreateDirectory(string path) => Run("Cannot create folder", path, () =>
    {
        if (Directory.Exists(path) || File.Exists(path))
            throw new PlatformIOException("Cannot create folder", path, 17, IOFailure.AlreadyExists, "it already exists");
        Directory.CreateDirectory(path);
    });

    public void CreateSymbolicLink(string path, string target) =>
        Run("Cannot create link", path, () => File.CreateSymbolicLink(path, target));

    public void CreateHardLink(string existingPath, string newPath) =>
        throw new PlatformIOException("Cannot create hard link", newPath, 95, IOFailure.NotSupported, "hard links are not supported here");

    public void Rename(string from, string to) => Run("Cannot move", from, () =>
    {
        if (Directory.Exists(from) && new DirectoryInfo(from).LinkTarget is null) Directory.Move(from, to);
        else File.Move(from, to, overwrite: true);
    });

    public void DeleteFile(string path) => Run("Cannot delete", path, () =>
    {
        var info = new FileInfo(path);
        if (OperatingSystem.IsWindows() && (info.Attributes & FileAttributes.ReadOnly) != 0) info.Attributes &= ~FileAttributes.ReadOnly;
        if (info.LinkTarget is not null && (info.Attributes & FileAttributes.Directory) != 0) Directory.Delete(path);
        else if (!info.Exists && info.LinkTarget is null) throw new FileNotFoundException(path);
        else info.Delete();
    });

    public void DeleteDirectory(string path) => Run("Cannot delete folder", path, () => Directory.Delete(path, recursive: false));

    public void FlushDirectory(string path)
    {
    }

    public long GetAvailableBytes(string path) =>
        new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(Path.GetFullPath(path))! : path).AvailableFreeSpace;

    public bool IsNetworkPath(string path)
    {
        try
        {
            return new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(Path.GetFullPath(path))! : path).DriveType is DriveType.Network or DriveType.Unknown;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    public string GetVolumeId(string path) => "root:" + Path.GetPathRoot(Path.GetFullPath(path));

    public Microsoft.Win32.SafeHandles.SafeFileHandle? CreateUnnamed(string target) => null;

    public MetadataLoss NameNewFile(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string target, FsEntry metadata) =>
        throw new NotSupportedException("This file system has no unnamed files.");

    public Microsoft.Win32.SafeHandles.SafeFileHandle CreateNew(string path) =>
        File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);

    private static void Run(string operation, string path, Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not PlatformIOException)
        {
            throw Wrap(operation, path, ex);
        }
    }

    private static PlatformIOException Wrap(string operation, string path, Exception ex)
    {
        var failure = PlatformIOException.Classify(ex);
        if (failure == IOFailure.Other && ex is IOException io && io.HResult is 39 or 66 or unchecked((int)0x80070091))
            failure = IOFailure.NotEmpty;
        return new PlatformIOException(operation, path, ex.HResult, failure, ex.Message);
    }
}
