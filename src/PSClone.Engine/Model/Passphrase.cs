using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace PSClone;

/// <summary>A backup image passphrase. Hosts build one from a SecureString, an environment variable
/// or a prompt; the engine reads it only to derive keys. Its characters are zeroed on Dispose, and
/// it never appears in messages, logs or ToString.</summary>
public sealed class Passphrase : IDisposable
{
    private char[] _chars;

    public Passphrase(ReadOnlySpan<char> characters) => _chars = characters.ToArray();

    /// <summary>Copies a SecureString without making a managed string of it.</summary>
    public static Passphrase FromSecureString(SecureString secure)
    {
        ArgumentNullException.ThrowIfNull(secure);
        nint ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            unsafe
            {
                return new Passphrase(new ReadOnlySpan<char>((char*)ptr, secure.Length));
            }
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }

    /// <summary>Where unattended runs (the CLI, scheduled tasks) find the passphrase.</summary>
    public const string EnvironmentVariable = "PSCLONE_PASSPHRASE";

    /// <summary>The value of an environment variable (PSCLONE_PASSPHRASE), or null when it is not set.</summary>
    public static Passphrase? FromEnvironment(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(value) ? null : new Passphrase(value);
    }

    public int Length => _chars.Length;

    /// <summary>True when both hold the same characters (for "type it again" prompts).</summary>
    public bool Matches(Passphrase other) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(_chars.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(other._chars.AsSpan()));

    /// <summary>The UTF-8 bytes the key derivation uses; the caller zeroes them when done.</summary>
    internal byte[] ToUtf8()
    {
        if (_chars.Length == 0 && _disposed) throw new ObjectDisposedException(nameof(Passphrase));
        return Encoding.UTF8.GetBytes(_chars);
    }

    private bool _disposed;

    public void Dispose()
    {
        Array.Clear(_chars);
        _chars = Array.Empty<char>();
        _disposed = true;
    }

    public override string ToString() => "********";
}
