using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message up to the attribute, computed with the header's
/// length field set to end at the MESSAGE-INTEGRITY attribute, as if it were last. A FINGERPRINT after it is thus
/// left out of the length during the HMAC. ICE keys it with the UTF-8 bytes of the ice-pwd (short-term
/// credentials); long-term credentials use MD5(username ":" realm ":" password) as the key.
/// </summary>
public static class StunMessageIntegrity
{
    public const int ValueLength = 20;
    public const int AttributeLength = StunAttributeReader.HeaderLength + ValueLength;

    private const int StackCopyLimit = 1024;

    /// <summary>True when the message has a MESSAGE-INTEGRITY and it verifies with <paramref name="key"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> packet, in StunMessage message, ReadOnlySpan<byte> key)
    {
        if (!message.HasMessageIntegrity || message.Length != packet.Length)
        {
            return false;
        }

        var offset = message.MessageIntegrityOffset;
        byte[]? rented = null;
        var copy = offset <= StackCopyLimit ? stackalloc byte[offset] : (rented = ArrayPool<byte>.Shared.Rent(offset)).AsSpan(0, offset);
        try
        {
            packet[..offset].CopyTo(copy);
            Span<byte> mac = stackalloc byte[ValueLength];
            Compute(copy, key, mac);
            return CryptographicOperations.FixedTimeEquals(mac, packet.Slice(offset + StunAttributeReader.HeaderLength, ValueLength));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Writes into <paramref name="mac"/> the HMAC of <paramref name="precedingBytes"/> (the message up to where the
    /// attribute goes), after setting their length field as the attribute requires: they are modified.
    /// </summary>
    internal static void Compute(Span<byte> precedingBytes, ReadOnlySpan<byte> key, Span<byte> mac)
    {
        var length = precedingBytes.Length + AttributeLength - StunMessage.HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(precedingBytes[2..], (ushort)length);
        HMACSHA1.HashData(key, precedingBytes, mac);
    }
}
