using System.Runtime.InteropServices;

namespace PSClone.Images;

/// <summary>zstd frames (RFC 8878) for records of codec 2 (format §7). Two implementations of the
/// same format: the system's libzstd when the machine has it (about three times faster, the way
/// .NET itself uses the system's OpenSSL and zlib), else ZstdSharp, a managed port that runs
/// wherever PowerShell runs. Either decodes what the other wrote; <c>PSCLONE_ZSTD=managed</c>
/// makes a process use the managed one.</summary>
internal abstract class Zstd
{
    public static Zstd Default { get; } = Environment.GetEnvironmentVariable("PSCLONE_ZSTD") == "managed"
        ? Managed.Instance
        : Native.TryLoad() ?? (Zstd)Managed.Instance;

    public abstract string Name { get; }

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/>; false when
    /// the frame does not fit there.</summary>
    public abstract bool TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level, out int written);

    /// <summary>Decodes one frame into <paramref name="destination"/>; false for any damage or when
    /// the content does not fit there (never throws for bad input).</summary>
    public abstract bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written);

    /// <summary>ZstdSharp, with one compressor and one decompressor per thread.</summary>
    internal sealed class Managed : Zstd
    {
        public static readonly Managed Instance = new();

        [ThreadStatic] private static ZstdSharp.Compressor? t_compressor;
        [ThreadStatic] private static ZstdSharp.Decompressor? t_decompressor;

        public override string Name => "managed";

        public override bool TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level, out int written)
        {
            var c = t_compressor ??= new ZstdSharp.Compressor(level);
            if (c.Level != level) c.Level = level;
            return c.TryWrap(source, destination, out written);
        }

        public override bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
        {
            try
            {
                return (t_decompressor ??= new ZstdSharp.Decompressor()).TryUnwrap(source, destination, out written);
            }
            catch (ZstdSharp.ZstdException)
            {
                written = 0;
                return false;
            }
        }
    }

    /// <summary>The system's libzstd (1.4 or later), reached through its stable one-shot API with
    /// one compression and one decompression context per thread. A context is freed when its
    /// thread has ended and the context is collected.</summary>
    internal sealed unsafe class Native : Zstd
    {
        private readonly delegate* unmanaged<nint> _createCCtx;
        private readonly delegate* unmanaged<nint, nuint> _freeCCtx;
        private readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int, nuint> _compressCCtx;
        private readonly delegate* unmanaged<nint> _createDCtx;
        private readonly delegate* unmanaged<nint, nuint> _freeDCtx;
        private readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint> _decompressDCtx;
        private readonly delegate* unmanaged<nuint, uint> _isError;

        [ThreadStatic] private static Context? t_compress;
        [ThreadStatic] private static Context? t_decompress;

        private Native(nint library)
        {
            _createCCtx = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "ZSTD_createCCtx");
            _freeCCtx = (delegate* unmanaged<nint, nuint>)NativeLibrary.GetExport(library, "ZSTD_freeCCtx");
            _compressCCtx = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int, nuint>)NativeLibrary.GetExport(library, "ZSTD_compressCCtx");
            _createDCtx = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "ZSTD_createDCtx");
            _freeDCtx = (delegate* unmanaged<nint, nuint>)NativeLibrary.GetExport(library, "ZSTD_freeDCtx");
            _decompressDCtx = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint>)NativeLibrary.GetExport(library, "ZSTD_decompressDCtx");
            _isError = (delegate* unmanaged<nuint, uint>)NativeLibrary.GetExport(library, "ZSTD_isError");
        }

        public override string Name => "libzstd";

        /// <summary>The system's libzstd, or null when there is none (or it is older than 1.4).</summary>
        public static Native? TryLoad()
        {
            foreach (var name in new[] { "libzstd.so.1", "libzstd.1.dylib", "libzstd" })
            {
                if (!NativeLibrary.TryLoad(name, out var library)) continue;
                try
                {
                    if (!NativeLibrary.TryGetExport(library, "ZSTD_versionNumber", out var version)
                        || ((delegate* unmanaged<uint>)version)() < 10400)
                        continue;
                    return new Native(library);
                }
                catch (EntryPointNotFoundException)
                {
                }
            }
            return null;
        }

        public override bool TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level, out int written)
        {
            var context = t_compress ??= new Context(_createCCtx(), _freeCCtx);
            nuint result;
            fixed (byte* src = source)
            fixed (byte* dst = destination)
                result = _compressCCtx(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            return Result(result, out written);
        }

        public override bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
        {
            var context = t_decompress ??= new Context(_createDCtx(), _freeDCtx);
            nuint result;
            fixed (byte* src = source)
            fixed (byte* dst = destination)
                result = _decompressDCtx(context.Handle, dst, (nuint)destination.Length, src, (nuint)source.Length);
            return Result(result, out written);
        }

        private bool Result(nuint result, out int written)
        {
            bool ok = _isError(result) == 0;
            written = ok ? (int)result : 0;
            return ok;
        }

        private sealed class Context
        {
            private readonly delegate* unmanaged<nint, nuint> _free;

            public Context(nint handle, delegate* unmanaged<nint, nuint> free)
            {
                if (handle == 0) throw new OutOfMemoryException("libzstd could not make a context");
                Handle = handle;
                _free = free;
            }

            public nint Handle { get; }

            ~Context() => _free(Handle);
        }
    }
}
