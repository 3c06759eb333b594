using System.Collections.Concurrent;
using PSClone.Platform;

namespace PSClone.Tests.Support;

/// <summary>A real file system with a counter per operation and an optional fault per call:
/// <see cref="Fault"/> gets (operation, path) and returns an exception to throw instead, or null.</summary>
internal sealed class InstrumentedFileSystem(IFileSystem inner) : IFileSystem
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();
    public Func<string, string, Exception?>? Fault { get; set; }

    private void Note(string op, string path)
    {
        Calls.AddOrUpdate(op, 1, (_, n) => n + 1);
        if (Fault?.Invoke(op, path) is { } ex) throw ex;
    }

    public int Count(string op) => Calls.GetValueOrDefault(op);

    public bool CanPreserveOwner => inner.CanPreserveOwner;
    public bool CanSetLinkTimes => inner.CanSetLinkTimes;
    public uint? ProcessUid => inner.ProcessUid;
    public MetadataLoss AlwaysLost => inner.AlwaysLost;

    public void ReadDirectory(string path, List<FsEntry> into, bool withXattrs, Action<string, Exception> onEntryError)
    {
        Note(nameof(ReadDirectory), path);
        inner.ReadDirectory(path, into, withXattrs, onEntryError);
    }

    public XattrSet ReadXattrs(string path)
    {
        Note(nameof(ReadXattrs), path);
        return inner.ReadXattrs(path);
    }

    public FsEntry? TryGetEntry(string path, bool withXattrs)
    {
        Note(nameof(TryGetEntry), path);
        return inner.TryGetEntry(path, withXattrs);
    }

    public FsEntry GetEntry(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, string name)
    {
        Note(nameof(GetEntry), path);
        return inner.GetEntry(handle, path, name);
    }

    public CopyOutcome CopyFile(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel)
    {
        Note(nameof(CopyFile), source);
        return inner.CopyFile(source, target, metadata, durable, cancel);
    }

    public bool TryCopyFileNew(string source, string target, FsEntry metadata, bool durable, CancellationToken cancel, out CopyOutcome outcome)
    {
        Note(nameof(CopyFile), source);
        return inner.TryCopyFileNew(source, target, metadata, durable, cancel, out outcome);
    }

    public MetadataLoss ApplyMetadata(string path, FsEntry desired, MetadataParts parts)
    {
        Note(nameof(ApplyMetadata), path);
        return inner.ApplyMetadata(path, desired, parts);
    }

    public void CreateDirectory(string path)
    {
        Note(nameof(CreateDirectory), path);
        inner.CreateDirectory(path);
    }

    public void CreateSymbolicLink(string path, string target)
    {
        Note(nameof(CreateSymbolicLink), path);
        inner.CreateSymbolicLink(path, target);
    }

    public void CreateHardLink(string existingPath, string newPath)
    {
        Note(nameof(CreateHardLink), newPath);
        inner.CreateHardLink(existingPath, newPath);
    }

    public void Rename(string from, string to)
    {
        Note(nameof(Rename), to);
        inner.Rename(from, to);
    }

    public void DeleteFile(string path)
    {
        Note(nameof(DeleteFile), path);
        inner.DeleteFile(path);
    }

    public void DeleteDirectory(string path)
    {
        Note(nameof(DeleteDirectory), path);
        inner.DeleteDirectory(path);
    }

    public void FlushDirectory(string path) => inner.FlushDirectory(path);

    public long GetAvailableBytes(string path) => inner.GetAvailableBytes(path);

    public string GetVolumeId(string path) => inner.GetVolumeId(path);

    public bool IsNetworkPath(string path) => inner.IsNetworkPath(path);

    public Microsoft.Win32.SafeHandles.SafeFileHandle? CreateUnnamed(string target)
    {
        Note(nameof(CreateUnnamed), target);
        return inner.CreateUnnamed(target);
    }

    public MetadataLoss NameNewFile(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string target, FsEntry metadata)
    {
        Note(nameof(NameNewFile), target);
        return inner.NameNewFile(handle, target, metadata);
    }

    public Microsoft.Win32.SafeHandles.SafeFileHandle CreateNew(string path)
    {
        Note(nameof(CreateNew), path);
        return inner.CreateNew(path);
    }

    public Stream OpenRead(string path)
    {
        Note(nameof(OpenRead), path);
        return inner.OpenRead(path);
    }
}
