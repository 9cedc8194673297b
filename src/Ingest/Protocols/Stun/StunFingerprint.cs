using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// FINGERPRINT (RFC 8489 §14.7): the CRC-32 of the message up to the attribute, XORed with 0x5354554E, computed
/// with the header's length already counting the 8-byte attribute. Being last, that is the length on the wire.
/// </summary>
public static class StunFingerprint
{
    public const int AttributeLength = 8;
    public const uint XorValue = 0x5354554E;

    /// <summary>The value for a message whose first <paramref name="precedingBytes"/> are final.</summary>
    public static uint Compute(ReadOnlySpan<byte> precedingBytes) => Crc32.Compute(precedingBytes) ^ XorValue;

    /// <summary>True when the message has a FINGERPRINT and it matches.</summary>
    public static bool Verify(ReadOnlySpan<byte> packet, in StunMessage message)
    {
        if (!message.HasFingerprint || message.Length != packet.Length)
        {
            return false;
        }

        var offset = message.FingerprintOffset;
        var expected = BinaryPrimitives.ReadUInt32BigEndian(packet[(offset + StunAttributeReader.HeaderLength)..]);
        return Compute(packet[..offset]) == expected;
    }
}
