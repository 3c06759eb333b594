namespace PSClone.Platform;

/// <summary>One entry of a scanned tree: the metadata the clone engine compares and preserves.</summary>
internal sealed class FsEntry
{
    public FsEntry(string name, ItemType kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }
    public ItemType Kind { get; set; }
    public long Size { get; set; }

    /// <summary>Modification time in nanoseconds since the Unix epoch.</summary>
    public long MTimeNs { get; set; }

    /// <summary>Status-change time in nanoseconds since the Unix epoch (0 where the platform has none).
    /// Any change to an item's content or metadata, extended attributes included, moves it forward.</summary>
    public long CTimeNs { get; set; }

    /// <summary>Permission bits (07777).</summary>
    public uint Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public ulong Device { get; set; }
    public ulong Inode { get; set; }
    public uint LinkCount { get; set; }

    /// <summary>Bytes actually allocated on disk (less than Size for sparse files).</summary>
    public long AllocatedBytes { get; set; }
    public string? LinkTarget { get; set; }

    /// <summary>Extended attributes; null until read (they are read only where they are needed).</summary>
    public XattrSet? Xattrs { get; set; }

    /// <summary>Windows file attributes (ReadOnly, Hidden, System, Archive); 0 elsewhere.</summary>
    public int Attributes { get; set; }

    /// <summary>Children of a directory, sorted by ordinal name; null for other kinds or unscanned folders.</summary>
    public List<FsEntry>? Children { get; set; }

    /// <summary>False for items outside the include patterns (kept only as containers of included items).</summary>
    public bool Selected { get; set; } = true;

    /// <summary>A folder whose entries could not be read; it is neither cleaned nor compared.</summary>
    public bool Unreadable { get; set; }

    /// <summary>What a destination read this entry from (a backup image: the snapshot's tree entry);
    /// null for items scanned from a file system.</summary>
    public object? Origin { get; set; }

    public bool IsSparse => Kind == ItemType.File && Size > 0 && AllocatedBytes < Size;
    public bool IsSpecial => Kind is ItemType.Fifo or ItemType.Socket or ItemType.CharacterDevice or ItemType.BlockDevice;

    public override string ToString() => $"{Kind} {Name}";
}

/// <summary>Extended attributes of one entry, sorted by name so two sets compare cheaply.</summary>
internal sealed class XattrSet
{
    public static readonly XattrSet Empty = new(Array.Empty<KeyValuePair<string, byte[]>>());

    public XattrSet(IReadOnlyList<KeyValuePair<string, byte[]>> items)
    {
        var sorted = items.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        Items = sorted;
    }

    public IReadOnlyList<KeyValuePair<string, byte[]>> Items { get; }
    public bool IsEmpty => Items.Count == 0;

    public static bool AreEqual(XattrSet? a, XattrSet? b)
    {
        a ??= Empty;
        b ??= Empty;
        if (a.Items.Count != b.Items.Count) return false;
        for (int i = 0; i < a.Items.Count; i++)
        {
            if (!string.Equals(a.Items[i].Key, b.Items[i].Key, StringComparison.Ordinal)) return false;
            if (!a.Items[i].Value.AsSpan().SequenceEqual(b.Items[i].Value)) return false;
        }
        return true;
    }
}
