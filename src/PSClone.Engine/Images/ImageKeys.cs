using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace PSClone.Images;

/// <summary>The keys of one image, derived from its master key (format §3), and the operations
/// that use them: chunk ids, the gear table, record encryption and the seal MAC.</summary>
internal sealed class ImageKeys : IDisposable
{
    private readonly byte[] _master;
    private readonly byte[] _data;
    private readonly byte[] _id;
    private readonly byte[] _gear;
    private readonly byte[] _seal;
    private readonly ConcurrentBag<AesGcm> _gcm = new();

    public ImageKeys(ReadOnlySpan<byte> master, ReadOnlySpan<byte> imageId, ImageEncryption encryption)
    {
        _master = master.ToArray();
        ImageId = imageId.ToArray();
        Encryption = encryption;
        _data = Derive("psimg data key");
        _id = Derive("psimg id key");
        _gear = Derive("psimg gear key");
        _seal = Derive("psimg seal key");
    }

    public ImageEncryption Encryption { get; }
    public bool Encrypted => Encryption != ImageEncryption.None;
    public byte[] ImageId { get; }
    public ReadOnlySpan<byte> MasterKey => _master;

    private byte[] Derive(string label) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _master, 32, ImageId, Encoding.ASCII.GetBytes(label));

    /// <summary>Chunk id of a plaintext (format §6).</summary>
    public ChunkId ComputeId(ReadOnlySpan<byte> plaintext)
    {
        Span<byte> hash = stackalloc byte[32];
        if (Encrypted) HMACSHA256.HashData(_id, plaintext, hash);
        else SHA256.HashData(plaintext, hash);
        return new ChunkId(hash);
    }

    /// <summary>The keyed FastCDC gear table (format §5).</summary>
    public ulong[] GearTable()
    {
        var table = new ulong[256];
        Span<byte> hash = stackalloc byte[32];
        Span<byte> message = stackalloc byte[1];
        for (int i = 0; i < 256; i++)
        {
            message[0] = (byte)i;
            HMACSHA256.HashData(_gear, message, hash);
            table[i] = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        }
        return table;
    }

    public byte[] SealMac(ReadOnlySpan<byte> message) => HMACSHA256.HashData(_seal, message);

    private AesGcm RentGcm() => _gcm.TryTake(out var g) ? g : new AesGcm(Encryption == ImageEncryption.Aes128 ? _data.AsSpan(0, 16) : _data, 16);

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        var gcm = RentGcm();
        try { gcm.Encrypt(nonce, plaintext, ciphertext, tag, aad); }
        finally { _gcm.Add(gcm); }
    }

    /// <summary>False when the tag does not verify.</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        var gcm = RentGcm();
        try
        {
            gcm.Decrypt(nonce, ciphertext, tag, plaintext, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            _gcm.Add(gcm);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_master);
        CryptographicOperations.ZeroMemory(_data);
        CryptographicOperations.ZeroMemory(_id);
        CryptographicOperations.ZeroMemory(_gear);
        CryptographicOperations.ZeroMemory(_seal);
        while (_gcm.TryTake(out var g)) g.Dispose();
    }
}

/// <summary>A key slot (format §3.1): the master key, wrapped under a passphrase or (unencrypted
/// images) held in clear.</summary>
internal sealed class KeySlot
{
    public const int Size = 128;
    public const byte KdfNone = 0;
    public const byte KdfPbkdf2 = 1;

    /// <summary>OWASP's 2023 floor for PBKDF2-HMAC-SHA256; calibration never goes below it.</summary>
    public const int MinimumCalibratedIterations = 600_000;

    /// <summary>About a minute of PBKDF2 on a slow machine; more is refused as damage.</summary>
    public const int MaximumIterations = 100_000_000;

    public required byte[] SlotId { get; init; }
    public required byte Kdf { get; init; }
    public uint Iterations { get; init; }
    public byte[] Salt { get; init; } = new byte[32];
    public byte[] Nonce { get; init; } = new byte[12];
    public byte[] Wrapped { get; init; } = new byte[32];
    public byte[] Tag { get; init; } = new byte[16];

    public void WriteTo(Span<byte> slot)
    {
        slot[..Size].Clear();
        SlotId.CopyTo(slot);
        slot[16] = Kdf;
        BinaryPrimitives.WriteUInt32LittleEndian(slot[20..], Iterations);
        Salt.CopyTo(slot[24..]);
        Nonce.CopyTo(slot[56..]);
        Wrapped.CopyTo(slot[68..]);
        Tag.CopyTo(slot[100..]);
    }

    public static KeySlot Read(ReadOnlySpan<byte> slot)
    {
        if (slot[17] != 0 || slot[18] != 0 || slot[19] != 0 || slot[116..128].IndexOfAnyExcept((byte)0) >= 0)
            throw new ImageFormatException("a key slot has unknown fields");
        var kdf = slot[16];
        if (kdf > KdfPbkdf2) throw new ImageFormatException($"a key slot uses an unknown key derivation ({kdf})");
        uint iterations = BinaryPrimitives.ReadUInt32LittleEndian(slot[20..]);
        if (kdf == KdfPbkdf2 && iterations is 0 or > MaximumIterations)
            throw new ImageFormatException("a key slot asks for an impossible number of iterations"); // would hang the open
        return new KeySlot
        {
            SlotId = slot[..16].ToArray(),
            Kdf = kdf,
            Iterations = iterations,
            Salt = slot.Slice(24, 32).ToArray(),
            Nonce = slot.Slice(56, 12).ToArray(),
            Wrapped = slot.Slice(68, 32).ToArray(),
            Tag = slot.Slice(100, 16).ToArray(),
        };
    }

    private static byte[] Aad(ReadOnlySpan<byte> imageId, ImageEncryption encryption, KeySlot slot)
    {
        var header = new byte[Size];
        slot.WriteTo(header);
        var aad = new byte[16 + 1 + 56];
        imageId.CopyTo(aad);
        aad[16] = (byte)encryption;
        header.AsSpan(0, 56).CopyTo(aad.AsSpan(17));
        return aad;
    }

    public static KeySlot Clear(ReadOnlySpan<byte> master) =>
        new() { SlotId = RandomNumberGenerator.GetBytes(16), Kdf = KdfNone, Wrapped = master.ToArray() };

    /// <summary>Wraps the master key under a passphrase with PBKDF2-HMAC-SHA256.</summary>
    public static KeySlot Wrap(ReadOnlySpan<byte> master, Passphrase passphrase, int iterations, ReadOnlySpan<byte> imageId, ImageEncryption encryption)
    {
        var slot = new KeySlot
        {
            SlotId = RandomNumberGenerator.GetBytes(16),
            Kdf = KdfPbkdf2,
            Iterations = (uint)iterations,
            Salt = RandomNumberGenerator.GetBytes(32),
            Nonce = RandomNumberGenerator.GetBytes(12),
        };
        var kek = DeriveKek(passphrase, slot.Salt, iterations);
        try
        {
            using var gcm = new AesGcm(kek, 16);
            gcm.Encrypt(slot.Nonce, master, slot.Wrapped, slot.Tag, Aad(imageId, encryption, slot));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
        return slot;
    }

    /// <summary>The master key, or null when the passphrase does not open this slot.</summary>
    public byte[]? TryUnwrap(Passphrase? passphrase, ReadOnlySpan<byte> imageId, ImageEncryption encryption)
    {
        if (Kdf == KdfNone) return Wrapped.ToArray();
        if (passphrase is null || Iterations == 0) return null;
        var kek = DeriveKek(passphrase, Salt, (int)Math.Min(Iterations, int.MaxValue));
        try
        {
            using var gcm = new AesGcm(kek, 16);
            var master = new byte[32];
            try
            {
                gcm.Decrypt(Nonce, Wrapped, Tag, master, Aad(imageId, encryption, this));
                return master;
            }
            catch (AuthenticationTagMismatchException)
            {
                return null;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static byte[] DeriveKek(Passphrase passphrase, ReadOnlySpan<byte> salt, int iterations)
    {
        var utf8 = passphrase.ToUtf8();
        try
        {
            var kek = new byte[32];
            Rfc2898DeriveBytes.Pbkdf2(utf8, salt, kek, iterations, HashAlgorithmName.SHA256);
            return kek;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    /// <summary>Iterations for about one second of PBKDF2 on this machine (never below the OWASP floor).</summary>
    public static int Calibrate()
    {
        var kek = new byte[32];
        var salt = new byte[32];
        return Calibrate(iterations =>
        {
            var clock = Stopwatch.StartNew();
            Rfc2898DeriveBytes.Pbkdf2("calibration"u8, salt, kek, iterations, HashAlgorithmName.SHA256);
            return clock.Elapsed;
        });
    }

    /// <summary>The rate is the median of probes run for at least a quarter of a second (and at
    /// least five): one short probe is at the mercy of a single scheduling hiccup or clock change,
    /// in either direction, and every open of the image pays what it sets.</summary>
    internal static int Calibrate(Func<int, TimeSpan> derive)
    {
        derive(1000); // warm up
        const int probe = 40_000;
        var rates = new List<double>();
        var spent = TimeSpan.Zero;
        while (rates.Count < 5 || spent < TimeSpan.FromMilliseconds(250))
        {
            var took = derive(probe);
            spent += took;
            rates.Add(probe / Math.Max(took.TotalSeconds, 1e-6));
        }
        rates.Sort();
        long iterations = (long)rates[rates.Count / 2];
        return (int)Math.Clamp(iterations / 10_000 * 10_000, MinimumCalibratedIterations, MaximumIterations);
    }
}
