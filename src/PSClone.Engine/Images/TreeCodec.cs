using System.Text;
using PSClone.Platform;

namespace PSClone.Images;

/// <summary>One run of a file's bytes: a data chunk, or a hole of zeros with no chunk.</summary>
internal readonly record struct Extent(long Length, bool Hole, ChunkId Id);

/// <summary>A content list reference of an indirect file (format §10.3).</summary>
internal readonly record struct ContentListRef(ChunkId Id, long Bytes);

/// <summary>A file's content as a tree stores it: extents inline, or content lists for large files.</summary>
internal sealed class FileContent
{
    public static readonly FileContent Empty = new(Array.Empty<Extent>());

    public FileContent(Extent[] extents) => Extents = extents;
    public FileContent(ContentListRef[] lists) => Lists = lists;

    public Extent[]? Extents { get; }
    public ContentListRef[]? Lists { get; }

    public long HoleBytes => Extents?.Where(e => e.Hole).Sum(e => e.Length) ?? 0;
}

/// <summary>One entry of a tree (format §10.2): a file, folder or symbolic link with its metadata.</summary>
internal sealed class TreeNode
{
    public required string Name { get; init; }
    public required ItemType Type { get; init; }
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public long MTimeNs { get; init; }
    public int Attributes { get; init; }
    public XattrSet? Xattrs { get; init; }
    public bool HasLinkKey { get; init; }
    public ulong LinkDevice { get; init; }
    public ulong LinkInode { get; init; }
    public long Size { get; init; }
    public FileContent? Content { get; init; }
    public ChunkId Subtree { get; init; }
    public string? LinkTarget { get; init; }

    /// <summary>The node's metadata with another name (the root entry has none).</summary>
    public TreeNode Renamed(string name) => new()
    {
        Name = name, Type = Type, Mode = Mode, Uid = Uid, Gid = Gid, MTimeNs = MTimeNs, Attributes = Attributes, Xattrs = Xattrs,
        HasLinkKey = HasLinkKey, LinkDevice = LinkDevice, LinkInode = LinkInode, Size = Size, Content = Content, Subtree = Subtree, LinkTarget = LinkTarget,
    };

    /// <summary>A node from a scanned entry; content, subtree and link key are supplied by the caller.</summary>
    public static TreeNode From(FsEntry e, string name, FileContent? content, ChunkId subtree, bool linkKey) => new()
    {
        Name = name,
        Type = e.Kind,
        Mode = e.Mode & 0xFFF,
        Uid = e.Uid,
        Gid = e.Gid,
        MTimeNs = e.MTimeNs,
        Attributes = e.Attributes,
        Xattrs = e.Kind == ItemType.SymbolicLink || e.Xattrs is not { IsEmpty: false } ? null : e.Xattrs,
        HasLinkKey = linkKey,
        LinkDevice = linkKey ? e.Device : 0,
        LinkInode = linkKey ? e.Inode : 0,
        Size = e.Kind == ItemType.File ? e.Size : 0,
        Content = e.Kind == ItemType.File ? content ?? FileContent.Empty : null,
        Subtree = subtree,
        LinkTarget = e.Kind == ItemType.SymbolicLink ? e.LinkTarget ?? "" : null,
    };

    /// <summary>The entry as the clone planner sees an existing destination item.</summary>
    public FsEntry ToFsEntry()
    {
        var entry = new FsEntry(Name, Type)
        {
            Size = Type == ItemType.File ? Size : Type == ItemType.SymbolicLink ? Encoding.UTF8.GetByteCount(LinkTarget ?? "") : 0,
            MTimeNs = MTimeNs,
            Mode = Mode,
            Uid = Uid,
            Gid = Gid,
            Device = LinkDevice,
            Inode = LinkInode,
            LinkCount = HasLinkKey ? 2u : 1u,
            AllocatedBytes = Type == ItemType.File ? Size - (Content?.HoleBytes ?? 0) : 0,
            LinkTarget = LinkTarget,
            Xattrs = Xattrs ?? (Type == ItemType.SymbolicLink ? null : XattrSet.Empty),
            Attributes = Attributes,
        };
        return entry;
    }
}

/// <summary>The deterministic binary encoding of trees, entries and content lists (format §10).
/// Equal folders encode to equal bytes, so unchanged folders deduplicate.</summary>
internal static class TreeCodec
{
    public const byte Version = 1;

    private static readonly Comparison<TreeNode> ByName = (a, b) => string.CompareOrdinal(a.Name, b.Name);

    public static byte[] EncodeTree(List<TreeNode> entries, ByteWriter w)
    {
        entries.Sort(ByName);
        w.Clear();
        w.U8(Version).Varint((ulong)entries.Count);
        foreach (var e in entries) WriteEntry(w, e);
        return w.ToArray();
    }

    public static List<TreeNode> DecodeTree(ReadOnlySpan<byte> data)
    {
        var r = new ByteReader(data);
        if (r.U8() != Version) throw new ImageFormatException("a tree has an unknown version");
        int count = r.Count(int.MaxValue, 8);
        var list = new List<TreeNode>(count);
        for (int i = 0; i < count; i++) list.Add(ReadEntry(ref r, isRoot: false));
        r.End();
        list.Sort(ByName);
        for (int i = 1; i < list.Count; i++)
        {
            if (string.Equals(list[i - 1].Name, list[i].Name, StringComparison.Ordinal))
                throw new ImageFormatException("a tree lists the same name twice");
        }
        return list;
    }

    public static void WriteEntry(ByteWriter w, TreeNode e)
    {
        w.String(e.Name);
        w.U8(e.Type switch
        {
            ItemType.File => (byte)1,
            ItemType.Directory => (byte)2,
            ItemType.SymbolicLink => (byte)3,
            _ => throw new InvalidOperationException("Only files, folders and links are stored."),
        });
        w.Varint(e.Mode & 0xFFF).Varint(e.Uid).Varint(e.Gid).Zigzag(e.MTimeNs).Varint((uint)e.Attributes);
        bool xattrs = e.Xattrs is { IsEmpty: false };
        w.Varint((xattrs ? 1u : 0u) | (e.HasLinkKey ? 2u : 0u));
        if (xattrs)
        {
            w.Varint((ulong)e.Xattrs!.Items.Count);
            foreach (var (name, value) in e.Xattrs.Items) w.String(name).Bytes(value);
        }
        if (e.HasLinkKey) w.Varint(e.LinkDevice).Varint(e.LinkInode);
        switch (e.Type)
        {
            case ItemType.File:
                w.Varint((ulong)e.Size);
                WriteContent(w, e.Content ?? FileContent.Empty);
                break;
            case ItemType.Directory:
                w.Id(e.Subtree);
                break;
            default:
                w.String(e.LinkTarget ?? "");
                break;
        }
    }

    public static TreeNode ReadEntry(ref ByteReader r, bool isRoot)
    {
        string name = r.String(65535);
        if (isRoot ? name.Length != 0 : !IsValidName(name)) throw new ImageFormatException($"a tree entry has an invalid name");
        var type = r.U8() switch
        {
            1 => ItemType.File,
            2 => ItemType.Directory,
            3 => ItemType.SymbolicLink,
            _ => throw new ImageFormatException("a tree entry has an unknown type"),
        };
        uint mode = r.VarUInt(0xFFF), uid = r.VarUInt(), gid = r.VarUInt();
        long mtime = r.Zigzag();
        int attributes = (int)r.VarUInt(int.MaxValue);
        uint flags = r.VarUInt(3);
        XattrSet? xattrs = null;
        if ((flags & 1) != 0)
        {
            int n = r.Count(100_000, 2);
            var items = new List<KeyValuePair<string, byte[]>>(n);
            for (int i = 0; i < n; i++) items.Add(new(r.String(4096), r.Bytes(1 << 24).ToArray()));
            xattrs = new XattrSet(items);
        }
        bool linkKey = (flags & 2) != 0;
        ulong device = 0, inode = 0;
        if (linkKey)
        {
            device = r.Varint();
            inode = r.Varint();
        }
        long size = 0;
        FileContent? content = null;
        ChunkId subtree = default;
        string? target = null;
        switch (type)
        {
            case ItemType.File:
                size = r.VarLong();
                content = ReadContent(ref r, size);
                break;
            case ItemType.Directory:
                subtree = r.Id();
                break;
            default:
                target = r.String(65535);
                break;
        }
        return new TreeNode
        {
            Name = name, Type = type, Mode = mode, Uid = uid, Gid = gid, MTimeNs = mtime, Attributes = attributes, Xattrs = xattrs,
            HasLinkKey = linkKey, LinkDevice = device, LinkInode = inode, Size = size, Content = content, Subtree = subtree, LinkTarget = target,
        };
    }

    private static bool IsValidName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOf('/') < 0 && name.IndexOf('\0') < 0;

    private static void WriteContent(ByteWriter w, FileContent content)
    {
        if (content.Lists is { } lists)
        {
            w.U8(1).Varint((ulong)lists.Length);
            foreach (var l in lists) w.Id(l.Id).Varint((ulong)l.Bytes);
            return;
        }
        w.U8(0);
        WriteExtents(w, content.Extents!);
    }

    private static void WriteExtents(ByteWriter w, Extent[] extents)
    {
        w.Varint((ulong)extents.Length);
        foreach (var e in extents)
        {
            w.Varint(((ulong)e.Length << 1) | (e.Hole ? 1UL : 0UL));
            if (!e.Hole) w.Id(e.Id);
        }
    }

    private static FileContent ReadContent(ref ByteReader r, long size)
    {
        byte form = r.U8();
        if (form == 0)
        {
            var extents = ReadExtents(ref r, out long total);
            if (total != size) throw new ImageFormatException("a file's extents do not add up to its size");
            return new FileContent(extents);
        }
        if (form != 1) throw new ImageFormatException("a file has an unknown content form");
        int n = r.Count(int.MaxValue, 33);
        var lists = new ContentListRef[n];
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            lists[i] = new ContentListRef(r.Id(), r.VarLong());
            sum += lists[i].Bytes;
            if (sum < 0) throw new ImageFormatException("a file's size overflows");
        }
        if (sum != size) throw new ImageFormatException("a file's content lists do not add up to its size");
        return new FileContent(lists);
    }

    private static Extent[] ReadExtents(ref ByteReader r, out long total)
    {
        int n = r.Count(int.MaxValue, 1);
        var extents = new Extent[n];
        total = 0;
        for (int i = 0; i < n; i++)
        {
            ulong v = r.Varint();
            long length = (long)(v >> 1);
            bool hole = (v & 1) != 0;
            if (length == 0 || (!hole && length > ImageFormat.MaxRawLength)) throw new ImageFormatException("an extent has an invalid length");
            extents[i] = new Extent(length, hole, hole ? default : r.Id());
            total += length;
            if (total < 0) throw new ImageFormatException("a file's size overflows");
        }
        return extents;
    }

    public static byte[] EncodeContentList(ReadOnlySpan<Extent> extents, ByteWriter w)
    {
        w.Clear();
        w.U8(Version);
        WriteExtents(w, extents.ToArray());
        return w.ToArray();
    }

    public static Extent[] DecodeContentList(ReadOnlySpan<byte> data, long expectedBytes)
    {
        var r = new ByteReader(data);
        if (r.U8() != Version) throw new ImageFormatException("a content list has an unknown version");
        var extents = ReadExtents(ref r, out long total);
        r.End();
        if (total != expectedBytes) throw new ImageFormatException("a content list does not cover the bytes its file says");
        return extents;
    }
}
