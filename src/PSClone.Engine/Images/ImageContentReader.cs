using System.Collections;
using System.Text;

namespace PSClone.Images;

/// <summary>Reads a file of a mounted image the way Get-Content asks for it (the provider's
/// IContentReader only adapts this): lines, as StreamReader splits them (UTF-8, or the encoding a
/// byte-order mark names); the whole text once (-Raw); or bytes (-AsByteStream). Owns the stream.</summary>
public sealed class ImageContentReader : IDisposable
{
    private readonly Stream _stream;
    private readonly ImageContentMode _mode;
    private readonly StreamReader? _text;
    private bool _rawDone;

    public ImageContentReader(Stream stream, ImageContentMode mode)
    {
        _stream = stream;
        _mode = mode;
        if (mode != ImageContentMode.Bytes)
            _text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 << 10, leaveOpen: true);
    }

    /// <summary>The next block: up to <paramref name="count"/> lines or bytes (0 or less: all that is
    /// left); with Raw the whole text, once. An empty list means the end.</summary>
    public IList Read(long count)
    {
        switch (_mode)
        {
            case ImageContentMode.Bytes:
            {
                var bytes = new List<byte>();
                var buffer = new byte[64 << 10];
                while (count <= 0 || bytes.Count < count)
                {
                    int want = count <= 0 ? buffer.Length : (int)Math.Min(buffer.Length, count - bytes.Count);
                    int n = _stream.Read(buffer, 0, want);
                    if (n == 0) break;
                    bytes.AddRange(buffer.AsSpan(0, n));
                }
                return bytes;
            }
            case ImageContentMode.Raw:
            {
                if (_rawDone) return Array.Empty<string>();
                _rawDone = true;
                string all = _text!.ReadToEnd();
                return all.Length == 0 ? Array.Empty<string>() : new[] { all };
            }
            default:
            {
                var lines = new List<string>();
                while (count <= 0 || lines.Count < count)
                {
                    string? line = _text!.ReadLine();
                    if (line is null) break;
                    lines.Add(line);
                }
                return lines;
            }
        }
    }

    /// <summary>Moves to a byte offset (Get-Content seeks only to re-read from the start).</summary>
    public void Seek(long offset, SeekOrigin origin)
    {
        _stream.Seek(offset, origin);
        _text?.DiscardBufferedData();
        _rawDone = false;
    }

    public void Dispose()
    {
        _text?.Dispose();
        _stream.Dispose();
    }
}
