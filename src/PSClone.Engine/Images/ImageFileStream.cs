namespace PSClone.Images;

/// <summary>Reads a file stored in an image: its extents in order, holes as zeros. Seekable;
/// one decoded chunk is cached. A damaged chunk fails the read with an <see cref="IOException"/>.</summary>
internal sealed class ImageFileStream : Stream
{
    private readonly BackupImage _image;
    private readonly Extent[] _extents;
    private readonly long[] _starts;
    private readonly long _length;
    private long _position;
    private int _cachedExtent = -1;
    private byte[]? _cached;

    public ImageFileStream(BackupImage image, Extent[] extents, long length)
    {
        _image = image;
        _extents = extents;
        _length = length;
        _starts = new long[extents.Length];
        long at = 0;
        for (int i = 0; i < extents.Length; i++)
        {
            _starts[i] = at;
            at += extents[i].Length;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length || buffer.IsEmpty) return 0;
        int i = Array.BinarySearch(_starts, _position);
        if (i < 0) i = ~i - 1;
        var extent = _extents[i];
        long within = _position - _starts[i];
        int n = (int)Math.Min(buffer.Length, extent.Length - within);
        if (extent.Hole)
        {
            buffer[..n].Clear();
        }
        else
        {
            if (_cachedExtent != i)
            {
                try
                {
                    _cached = _image.ReadBlob(extent.Id, BlobKind.Data);
                }
                catch (ImageFormatException ex)
                {
                    throw new IOException($"A chunk of this file in the image '{_image.Path}' is damaged ({ex.Message}).", ex);
                }
                if (_cached.Length != extent.Length) throw new IOException($"A chunk of this file in the image '{_image.Path}' has the wrong length.");
                _cachedExtent = i;
            }
            _cached.AsSpan((int)within, n).CopyTo(buffer);
        }
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
