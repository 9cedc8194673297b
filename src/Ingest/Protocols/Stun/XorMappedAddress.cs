using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the port XORed with the top 16 bits of the magic cookie, an IPv4 address
/// with the cookie, an IPv6 address with the cookie followed by the transaction ID.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                X-Address (Variable: 32 or 128 bits)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class XorMappedAddress
{
    public const byte FamilyIPv4 = 0x01;
    public const byte FamilyIPv6 = 0x02;
    public const int IPv4ValueLength = 8;
    public const int IPv6ValueLength = 20;

    private const int AddressOffset = 4;

    public static int ValueLength(in TransportAddress address) => address.IsIPv6 ? IPv6ValueLength : IPv4ValueLength;

    /// <summary>Decodes an attribute value; false for a bad family or length.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out TransportAddress address)
    {
        address = default;
        if (value.Length < IPv4ValueLength || transactionId.Length != StunMessage.TransactionIdLength)
        {
            return false;
        }

        var length = value[1] switch
        {
            FamilyIPv4 when value.Length == IPv4ValueLength => 4,
            FamilyIPv6 when value.Length == IPv6ValueLength => 16,
            _ => 0,
        };
        if (length == 0)
        {
            return false;
        }

        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(value[AddressOffset + i] ^ mask[i]);
        }

        var port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (StunMessage.MagicCookie >> 16));
        address = TransportAddress.FromBytes(bytes[..length], port);
        return true;
    }

    /// <summary>Encodes an attribute value (without the TLV header); false when the destination is too short.</summary>
    public static bool TryWrite(Span<byte> destination, in TransportAddress address, ReadOnlySpan<byte> transactionId,
        out int written)
    {
        written = ValueLength(address);
        if (destination.Length < written || transactionId.Length != StunMessage.TransactionIdLength)
        {
            written = 0;
            return false;
        }

        destination[0] = 0;
        destination[1] = address.IsIPv6 ? FamilyIPv6 : FamilyIPv4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(address.Port ^ (StunMessage.MagicCookie >> 16)));
        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        var length = address.WriteAddress(destination[AddressOffset..]);
        for (var i = 0; i < length; i++)
        {
            destination[AddressOffset + i] ^= mask[i];
        }

        return true;
    }

    private static void WriteMask(Span<byte> mask, ReadOnlySpan<byte> transactionId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunMessage.MagicCookie);
        transactionId.CopyTo(mask[4..]);
    }
}
