namespace PSClone.Images;

/// <summary>Where one blob is: its record in a pack (format §9.1).</summary>
internal struct IndexEntry
{
    public ChunkId Id;
    public uint Pack;
    public uint Offset;

    /// <summary>The whole record's length (header, payload and tag).</summary>
    public uint Length;
    public uint RawLength;
    public BlobKind Kind;
    public byte Codec;

    /// <summary>Reserved by a writer that is storing it; the location is not known yet.</summary>
    public bool Pending;

    public const int EncodedSize = ChunkId.Size + 4 * 4 + 2;
}

/// <summary>The in-memory index: an open-addressing hash table over an array of structs (about
/// 64 bytes per chunk, no object per chunk), safe for concurrent writers. Entries past
/// <see cref="CommittedCount"/> were added by the current session.</summary>
internal sealed class ChunkIndex
{
    private readonly object _gate = new();
    private IndexEntry[] _entries;
    private int[] _slots;
    private int _count;

    public ChunkIndex(int capacity = 1024)
    {
        int slots = 1;
        while (slots < capacity * 2) slots <<= 1;
        _slots = new int[Math.Max(16, slots)];
        _entries = new IndexEntry[Math.Max(8, capacity)];
    }

    public int Count
    {
        get { lock (_gate) return _count; }
    }

    public int CommittedCount { get; private set; }

    private int Find(in ChunkId id)
    {
        int mask = _slots.Length - 1;
        for (int slot = (int)(id.A ^ (id.A >> 29)) & mask; ; slot = (slot + 1) & mask)
        {
            int e = _slots[slot];
            if (e == 0) return ~slot;
            if (_entries[e - 1].Id == id) return e - 1;
        }
    }

    public bool TryGet(in ChunkId id, out IndexEntry entry)
    {
        lock (_gate)
        {
            int i = Find(id);
            if (i < 0)
            {
                entry = default;
                return false;
            }
            entry = _entries[i];
            return true;
        }
    }

    public bool Contains(in ChunkId id)
    {
        lock (_gate) return Find(id) >= 0;
    }

    /// <summary>Adds a located entry; false when the id is already there (the first one wins).</summary>
    public bool Add(in IndexEntry entry)
    {
        lock (_gate)
        {
            int i = Find(entry.Id);
            if (i >= 0) return false;
            Insert(entry, ~i);
            return true;
        }
    }

    /// <summary>Adds located entries under one lock, growing the table once (loading an index);
    /// an id already present keeps its first entry.</summary>
    public void AddRange(ReadOnlySpan<IndexEntry> entries)
    {
        lock (_gate)
        {
            int needed = _count + entries.Length;
            if (_entries.Length < needed) Array.Resize(ref _entries, needed);
            if (needed * 2 > _slots.Length)
            {
                int slots = _slots.Length;
                while (needed * 2 > slots) slots <<= 1;
                Rehash(slots);
            }
            foreach (ref readonly var e in entries)
            {
                int i = Find(e.Id);
                if (i < 0) Insert(e, ~i);
            }
        }
    }

    /// <summary>True when the caller must store the blob: nobody has it or is storing it.</summary>
    public bool TryReserve(in ChunkId id, BlobKind kind)
    {
        lock (_gate)
        {
            int i = Find(id);
            if (i >= 0) return false;
            Insert(new IndexEntry { Id = id, Kind = kind, Pending = true }, ~i);
            return true;
        }
    }

    /// <summary>Sets the location of a reserved (or moved) entry.</summary>
    public void SetLocation(in ChunkId id, uint pack, uint offset, uint length, uint rawLength, byte codec)
    {
        lock (_gate)
        {
            int i = Find(id);
            if (i < 0) throw new InvalidOperationException("The chunk is not in the index.");
            ref var e = ref _entries[i];
            e.Pack = pack;
            e.Offset = offset;
            e.Length = length;
            e.RawLength = rawLength;
            e.Codec = codec;
            e.Pending = false;
        }
    }

    private void Insert(in IndexEntry entry, int slot)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = entry;
        _slots[slot] = ++_count;
        if (_count * 2 > _slots.Length) Rehash(_slots.Length * 2);
    }

    private void Rehash(int slots)
    {
        _slots = new int[slots];
        int mask = _slots.Length - 1;
        for (int e = 0; e < _count; e++)
        {
            ref var id = ref _entries[e].Id;
            int slot = (int)(id.A ^ (id.A >> 29)) & mask;
            while (_slots[slot] != 0) slot = (slot + 1) & mask;
            _slots[slot] = e + 1;
        }
    }

    /// <summary>Everything added so far becomes part of the committed index.</summary>
    public void MarkCommitted()
    {
        lock (_gate) CommittedCount = _count;
    }

    /// <summary>Forgets what an abandoned session added.</summary>
    public void RollbackToCommitted()
    {
        lock (_gate)
        {
            if (_count == CommittedCount) return;
            Array.Clear(_entries, CommittedCount, _count - CommittedCount);
            _count = CommittedCount;
            Array.Clear(_slots);
            int mask = _slots.Length - 1;
            for (int e = 0; e < _count; e++)
            {
                ref var id = ref _entries[e].Id;
                int slot = (int)(id.A ^ (id.A >> 29)) & mask;
                while (_slots[slot] != 0) slot = (slot + 1) & mask;
                _slots[slot] = e + 1;
            }
        }
    }

    public bool AnyInPack(uint pack)
    {
        lock (_gate)
        {
            for (int i = 0; i < _count; i++)
                if (_entries[i].Pack == pack && !_entries[i].Pending) return true;
            return false;
        }
    }

    public bool HasPending()
    {
        lock (_gate)
        {
            for (int i = CommittedCount; i < _count; i++)
                if (_entries[i].Pending) return true;
            return false;
        }
    }

    /// <summary>Entries the current session added, sorted by id bytes.</summary>
    public IndexEntry[] SessionEntries()
    {
        lock (_gate)
        {
            var list = _entries.AsSpan(CommittedCount, _count - CommittedCount).ToArray();
            Array.Sort(list, static (a, b) => ChunkId.CompareBytes(a.Id, b.Id));
            return list;
        }
    }

    /// <summary>A copy of every entry (unsorted).</summary>
    public IndexEntry[] All()
    {
        lock (_gate) return _entries.AsSpan(0, _count).ToArray();
    }
}
