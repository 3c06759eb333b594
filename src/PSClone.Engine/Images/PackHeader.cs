using System.Buffers.Binary;

namespace PSClone.Images;

/// <summary>The 32-byte pack header (format §8); every byte of it is checkable.</summary>
internal static class PackHeader
{
    public static byte[] Encode(uint number, ReadOnlySpan<byte> imageId)
    {
        var b = new byte[ImageFormat.PackHeaderSize];
        ImageFormat.PackMagic.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), ImageFormat.PackMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(10), ImageFormat.PackMinor);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), number);
        imageId.CopyTo(b.AsSpan(16));
        return b;
    }

    /// <summary>Null when the header is right; otherwise what is wrong with it.</summary>
    public static string? Check(ReadOnlySpan<byte> header, uint number, ReadOnlySpan<byte> imageId)
    {
        if (!header[..8].SequenceEqual(ImageFormat.PackMagic)) return "its header has no pack magic";
        if (BinaryPrimitives.ReadUInt16LittleEndian(header[8..]) != ImageFormat.PackMajor) return "its header has another format version";
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != number) return "its header has another pack number";
        if (!header.Slice(16, 16).SequenceEqual(imageId)) return "its header belongs to another image";
        return null;
    }
}

/// <summary>Opens the file that carries an image's lock: shared for readers, exclusive for writers
/// (flock on Unix through .NET's share modes; share modes on Windows). The OS drops it with the process.</summary>
internal static class ImageLock
{
    public static FileStream OpenLocked(string path, bool writable, FileMode mode)
    {
        try
        {
            return new FileStream(path, mode, writable ? FileAccess.ReadWrite : FileAccess.Read,
                writable ? FileShare.None : FileShare.Read, bufferSize: 0, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            throw ImageErrors.NotFound(path);
        }
        catch (DirectoryNotFoundException)
        {
            throw ImageErrors.NotFound(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PSCloneException("ImageAccessDenied", FailureKind.PermissionDenied,
                $"The backup image '{path}' cannot be opened{(writable ? " for writing" : "")}: {ex.Message}. Check its permissions.", path, ex);
        }
        catch (IOException) when (mode == FileMode.CreateNew && File.Exists(path))
        {
            throw ImageErrors.Exists(path);
        }
        catch (IOException ex) when (ex.HResult is 11 /* EWOULDBLOCK: flock held */ or unchecked((int)0x80070020) /* sharing violation */)
        {
            throw ImageErrors.Busy(path, ex);
        }
        catch (IOException ex)
        {
            throw new PSCloneException("ImageOpenFailed", FailureKind.OpenError,
                $"The backup image '{path}' cannot be opened: {ex.Message}. Check the device it is on.", path, ex);
        }
    }
}
