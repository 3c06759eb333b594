namespace PSClone.Images;

/// <summary>An open pack being written, record by record (format §8).</summary>
internal abstract class PackOutput
{
    public required uint Number { get; init; }

    /// <summary>Where the pack starts (SingleFile file offset; 0 for a bundle file).</summary>
    public long Location { get; init; }

    /// <summary>Bytes written so far, header included.</summary>
    public long Length { get; protected set; }

    /// <summary>The pack may not grow past this length (a SingleFile gap); long.MaxValue when unbounded.</summary>
    public long Limit { get; init; } = long.MaxValue;

    /// <summary>Appends a record; returns its offset in the pack.</summary>
    public abstract uint Append(ReadOnlySpan<byte> record);

    /// <summary>Writes what is buffered so that readers of this process see it.</summary>
    public abstract void FlushBuffers();

    /// <summary>Finishes the pack and returns its table entry. Its bytes start going to disk; the
    /// commit's <see cref="ImageStorage.FlushForCommit"/> makes them durable.</summary>
    public abstract PackInfo Close();

    /// <summary>Abandons the pack (an aborted session); its bytes become garbage the next session reclaims.</summary>
    public abstract void Abandon();
}

/// <summary>Where the heads and packs of an image live: one file, or a bundle folder. Holds the
/// image's lock (shared for readers, exclusive for writers) for its lifetime. Reads are thread-safe.</summary>
internal abstract class ImageStorage : IDisposable
{
    protected ImageStorage(string path, bool writable)
    {
        Path = path;
        Writable = writable;
    }

    public string Path { get; }
    public bool Writable { get; }

    /// <summary>The image id written into pack headers; set once the image is known.</summary>
    public byte[] ImageId { get; set; } = new byte[16];
    public abstract ImageLayout Layout { get; }

    /// <summary>Both head copies (8192 bytes; a short file reads as zeros beyond its end).</summary>
    public abstract byte[] ReadHeads();

    /// <summary>Writes one head copy in place and flushes it to the device.</summary>
    public abstract void WriteHead(int slot, byte[] head);

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes at <paramref name="offset"/> of a
    /// pack (or its mirror); a pack that is missing or too short throws <see cref="ImageFormatException"/>.</summary>
    public abstract void Read(PackInfo pack, bool mirror, long offset, Span<byte> into);

    /// <summary>How many bytes of the pack are actually there (for verification), or null when missing.</summary>
    public abstract long? StoredLength(PackInfo pack, bool mirror);

    /// <summary>A human name for a pack copy ("packs/0a/0000000a.pspk", "pack 10 at offset 8192").</summary>
    public abstract string Describe(PackInfo pack, bool mirror);

    /// <summary>Prepares writing on top of the committed state: removes what an interrupted session left.</summary>
    public abstract void BeginSession(Manifest committed, ImageHead head);

    public abstract PackOutput OpenDataPack(uint number, int firstRecordLength);

    /// <summary>Reserves the regions of a metadata pack and its mirror (SingleFile offsets; (0, 0) for a
    /// bundle); <paramref name="preferGaps"/> (compaction) puts them in the lowest gaps that fit.</summary>
    public abstract (long Location, long Mirror) ReserveMetadataPack(long length, bool preferGaps);

    /// <summary>Writes a complete metadata pack and its mirror at the reserved places.</summary>
    public abstract PackInfo WriteMetadataPack(uint number, IReadOnlyList<ReadOnlyMemory<byte>> bytes, long location, long mirror);

    /// <summary>Makes every new pack durable and checks its length on disk (format §11, invariants 4 and 5).</summary>
    public abstract void FlushForCommit(IReadOnlyCollection<PackInfo> newPacks);

    /// <summary>After a commit: packs the committed state no longer references are released
    /// (bundle: deleted; SingleFile: their regions are zeroed and become gaps).</summary>
    public abstract void Release(IReadOnlyCollection<PackInfo> packs);

    /// <summary>Bytes the image occupies on its disk.</summary>
    public abstract long DiskSize();

    public abstract void Dispose();

    /// <summary>The end of the highest region a manifest uses (SingleFile), at least the heads.</summary>
    public static long EndOf(Manifest manifest) =>
        manifest.Config.Layout == ImageLayout.Bundle ? 0
        : manifest.Packs.Aggregate((long)ImageFormat.HeadsSize, (end, p) =>
            Math.Max(end, Math.Max(p.Location + p.Length, p.IsMetadata ? p.MirrorLocation + p.Length : 0)));

    protected static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> into, long offset)
    {
        int done = 0;
        while (done < into.Length)
        {
            int n = RandomAccess.Read(handle, into[done..], offset + done);
            if (n <= 0) throw new ImageFormatException("a pack is cut short");
            done += n;
        }
    }
}
