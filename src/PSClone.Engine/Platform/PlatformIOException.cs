namespace PSClone.Platform;

/// <summary>What went wrong in a file-system call, independent of the OS error code.</summary>
public enum IOFailure
{
    Other,
    NotFound,
    AccessDenied,
    DiskFull,
    AlreadyExists,
    NotEmpty,
    CrossDevice,
    NotSupported,
    NameTooLong,
    IsDirectory,
    NotDirectory,

    /// <summary>Worth retrying: EIO, EAGAIN, EBUSY, ETIMEDOUT, ESTALE and the like.</summary>
    Transient,
}

/// <summary>A failed OS file-system call, with the path it was about and a classified cause.</summary>
public sealed class PlatformIOException : IOException
{
    public PlatformIOException(string operation, string path, int errno, IOFailure failure, string detail)
        : base($"{operation} '{path}': {detail}")
    {
        Operation = operation;
        Path = path;
        Errno = errno;
        Failure = failure;
        HResult = errno;
    }

    public string Operation { get; }
    public string Path { get; }

    /// <summary>The OS error number (errno on Unix, Win32 error code on Windows); 0 when unknown.</summary>
    public int Errno { get; }
    public IOFailure Failure { get; }

    /// <summary>Classifies any exception from a file-system call; the one place that maps OS errors.</summary>
    public static IOFailure Classify(Exception ex) => ex switch
    {
        PlatformIOException p => p.Failure,
        FileNotFoundException or DirectoryNotFoundException => IOFailure.NotFound,
        UnauthorizedAccessException => IOFailure.AccessDenied,
        PathTooLongException => IOFailure.NameTooLong,
        IOException io when IsDiskFull(io) => IOFailure.DiskFull,
        IOException io when io.HResult is ErrnoEexist or Win32FileExists or Win32AlreadyExists => IOFailure.AlreadyExists,
        _ => IOFailure.Other,
    };

    private const int ErrnoEexist = 17;
    private const int Win32FileExists = unchecked((int)0x80070050);
    private const int Win32AlreadyExists = unchecked((int)0x800700B7);

    private static bool IsDiskFull(IOException io) =>
        io.HResult is 28 /* ENOSPC */ or 122 /* EDQUOT */
            or unchecked((int)0x80070070) /* ERROR_DISK_FULL */ or unchecked((int)0x80070027) /* ERROR_HANDLE_DISK_FULL */;
}
