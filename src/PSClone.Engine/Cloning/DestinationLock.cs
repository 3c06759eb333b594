using System.Text.Json;

namespace PSClone.Cloning;

/// <summary>One run per destination. The lock is ".psclone.lock" at the destination root, held
/// open with an exclusive OS lock (flock on Unix, a share-none handle on Windows); the OS drops it
/// when the process dies, so a lock left by a crash is recognised as stale and taken over.</summary>
internal sealed class DestinationLock : IDisposable
{
    private readonly FileStream _stream;

    private DestinationLock(FileStream stream) => _stream = stream;

    public static DestinationLock Acquire(string destination)
    {
        string path = Path.Combine(destination, ReservedNames.Lock);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string holder = DescribeHolder(path);
            throw new PSCloneException("DestinationLocked", FailureKind.ResourceBusy,
                $"Another PSClone run is using the destination '{destination}'{holder}. Wait for it to finish; " +
                $"if no run is active, the lock file '{path}' is stale only when its process has ended.", destination, ex);
        }
        return new DestinationLock(stream);
    }

    /// <summary>Records who holds the lock, for the message a second run shows. Called once the run
    /// is going ahead, so a refused run leaves the lock file as it was.</summary>
    public void RecordHolder(string source)
    {
        var info = new LockHolder(Environment.ProcessId, Environment.MachineName, source, DateTimeOffset.Now);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(info, CloneJson.Default.LockHolder);
        _stream.SetLength(0);
        _stream.Write(bytes);
        _stream.Flush();
    }

    /// <summary>True when another run holds the destination right now. A probe: it asks for a shared
    /// lock, which the holder's exclusive one refuses, and lets go at once.</summary>
    public static bool IsHeld(string destination)
    {
        string path = Path.Combine(destination, ReservedNames.Lock);
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            return false;
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            // EWOULDBLOCK (Linux 11, macOS 35) from flock; ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.
            return ex.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string DescribeHolder(string path)
    {
        try
        {
            // Not a FileStream: on Unix that takes a shared lock, which the holder's exclusive one refuses.
            using var reader = Platform.FileSystems.Current.OpenRead(path);
            using var doc = JsonDocument.Parse(reader);
            var root = doc.RootElement;
            return $" (process {root.GetProperty("pid").GetInt32()} on {root.GetProperty("host").GetString()}, started {root.GetProperty("started").GetString()})";
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException)
        {
            return "";
        }
    }

    /// <summary>Releases the lock. The file stays: deleting it would change the destination root's
    /// modification time after the run stamped it, and an unlocked lock file is simply free.</summary>
    public void Dispose() => _stream.Dispose();
}
