using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Api.State;

/// <summary>
/// The 256-bit key that encrypts secrets at rest (camera credentials), from State:SecretKey or from the key file.
/// Its <see cref="Id"/> is stored with every ciphertext, so that a wrong key is reported as such rather than as
/// corrupt data. The key itself is never logged or shown.
/// </summary>
public sealed class StateKey
{
    public const int Size = 32;

    /// <summary>Bytes of <see cref="Id"/> as stored in ciphertexts.</summary>
    public const int KeyIdSize = 4;

    // HKDF parameters for passphrases. The salt is fixed: every appliance sharing a database must derive the same key.
    private static readonly byte[] PassphraseSalt = "broadcast/state-key/salt"u8.ToArray();
    private static readonly byte[] PassphraseInfo = "broadcast/state-key/aes-256-gcm"u8.ToArray();
    private static readonly byte[] IdLabel = "broadcast/state-key/id"u8.ToArray();

    private readonly byte[] _key;

    private StateKey(byte[] key, string origin)
    {
        _key = key;
        Origin = origin;
        Id = Convert.ToHexStringLower(HMACSHA256.HashData(key, IdLabel).AsSpan(0, KeyIdSize));
    }

    /// <summary>8 hex digits naming the key (an HMAC of a fixed label, so it reveals nothing of the key).</summary>
    public string Id { get; }

    /// <summary>Where the key came from, for messages: "State:SecretKey" or "key file /path".</summary>
    public string Origin { get; }

    /// <summary>The raw key bytes; for the cipher only.</summary>
    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>The <see cref="Id"/> as the bytes stored in ciphertexts.</summary>
    internal byte[] IdBytes => Convert.FromHexString(Id);

    /// <summary>True when <paramref name="secret"/> is base64 of exactly 32 bytes (used as the key as is).</summary>
    public static bool IsRawKey(string secret)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(secret.Trim(), buffer, out var written) && written == Size;
    }

    /// <summary>A key from State:SecretKey: base64 of 32 bytes as is, anything else stretched with HKDF-SHA-256.</summary>
    public static StateKey FromSecret(string secret, string origin = "State:SecretKey")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        var trimmed = secret.Trim();
        var key = IsRawKey(trimmed)
            ? Convert.FromBase64String(trimmed)
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(trimmed), Size, PassphraseSalt, PassphraseInfo);
        return new StateKey(key, origin);
    }

    /// <summary>
    /// The key in <paramref name="path"/> (base64 of 32 bytes); a new random one when the file does not exist, written
    /// with mode 0600 and moved into place atomically, so that two processes starting at once agree on one key.
    /// </summary>
    /// <param name="path">Absolute path of the key file.</param>
    /// <param name="created">True when this call created the file.</param>
    /// <exception cref="InvalidOperationException">The file exists but holds no key.</exception>
    public static StateKey FromKeyFile(string path, out bool created)
    {
        created = false;
        if (!File.Exists(path))
        {
            created = TryCreateKeyFile(path);
        }

        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The key file {path} cannot be read: {ex.Message}", ex);
        }

        if (!IsRawKey(text))
        {
            throw new InvalidOperationException(
                $"The key file {path} does not hold base64 of {Size} bytes. Restore the file the channels were saved with, or set State:SecretKey (BROADCAST_SECRET_KEY).");
        }

        return new StateKey(Convert.FromBase64String(text), $"key file {path}");
    }

    /// <summary>True when <paramref name="path"/> can be read or written by anyone but its owner.</summary>
    public static bool IsOpenToOthers(string path) =>
        !OperatingSystem.IsWindows()
        && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0;

    private static bool TryCreateKeyFile(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(Size)) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false; // another process created it first: use theirs
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
