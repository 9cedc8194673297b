using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Api.State;

/// <summary>
/// Encrypts secrets for storage with AES-256-GCM. Each value is bound to its channel and field (associated data
/// "channel id" NUL "field"), so a ciphertext copied to another row or column does not decrypt.
/// </summary>
/// <remarks>
/// Format, version 1:
/// <code>
///  0               1                               5
/// +---------------+-------------------------------+------------------------+-----------------+----------------+
/// | version = 1   | key id (4 bytes, StateKey.Id) | nonce (12 bytes)       | tag (16 bytes)  | ciphertext ... |
/// +---------------+-------------------------------+------------------------+-----------------+----------------+
/// </code>
/// A later version can change the algorithm or layout; readers dispatch on the first byte.
/// </remarks>
public sealed class SecretCipher(StateKey key)
{
    public const byte Version1 = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + StateKey.KeyIdSize + NonceSize + TagSize;

    private readonly byte[] _keyId = key.IdBytes;

    public StateKey Key => key;

    public byte[] Encrypt(string plaintext, string channelId, string field)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var blob = new byte[HeaderSize + clear.Length];
        blob[0] = Version1;
        _keyId.CopyTo(blob.AsSpan(1));
        var nonce = blob.AsSpan(1 + StateKey.KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Encrypt(nonce, clear, blob.AsSpan(HeaderSize), blob.AsSpan(1 + StateKey.KeyIdSize + NonceSize, TagSize), AssociatedData(channelId, field));
        CryptographicOperations.ZeroMemory(clear);
        return blob;
    }

    /// <exception cref="StateSecretException">Another key encrypted it, or it was altered or moved.</exception>
    public string Decrypt(ReadOnlySpan<byte> blob, string channelId, string field)
    {
        if (blob.Length < HeaderSize || blob[0] != Version1)
        {
            throw new StateSecretException(
                $"The {field} of channel '{channelId}' is not in a known encrypted format (version {(blob.IsEmpty ? "none" : blob[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}).");
        }

        var storedKeyId = blob.Slice(1, StateKey.KeyIdSize);
        if (!storedKeyId.SequenceEqual(_keyId))
        {
            throw new StateSecretException(
                $"The {field} of channel '{channelId}' was encrypted with key {Convert.ToHexStringLower(storedKeyId)}, but the configured key ({key.Origin}) is {key.Id}. " +
                "Set State:SecretKey (BROADCAST_SECRET_KEY) or State:KeyFile to the key the channels were saved with; every appliance on one database needs the same key.");
        }

        var clear = new byte[blob.Length - HeaderSize];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagSize);
            aes.Decrypt(blob.Slice(1 + StateKey.KeyIdSize, NonceSize), blob[HeaderSize..], blob.Slice(1 + StateKey.KeyIdSize + NonceSize, TagSize), clear,
                AssociatedData(channelId, field));
            return Encoding.UTF8.GetString(clear);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new StateSecretException($"The {field} of channel '{channelId}' does not authenticate: it was altered or belongs to another channel.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear);
        }
    }

    /// <summary>The key id a ciphertext names, or null when it is not in a known format.</summary>
    public static string? KeyIdOf(ReadOnlySpan<byte> blob) =>
        blob.Length >= HeaderSize && blob[0] == Version1 ? Convert.ToHexStringLower(blob.Slice(1, StateKey.KeyIdSize)) : null;

    private static byte[] AssociatedData(string channelId, string field)
    {
        var id = Encoding.UTF8.GetByteCount(channelId);
        var data = new byte[id + 1 + Encoding.UTF8.GetByteCount(field)];
        Encoding.UTF8.GetBytes(channelId, data);
        Encoding.UTF8.GetBytes(field, data.AsSpan(id + 1));
        return data;
    }
}

/// <summary>A stored secret cannot be decrypted with the configured key; the message says which key it needs.</summary>
public sealed class StateSecretException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
