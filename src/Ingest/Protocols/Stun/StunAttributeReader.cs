using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// Walks the attributes of a STUN message whose header was already checked. Each attribute is a TLV whose value
/// is padded to a multiple of four bytes; the length field excludes the padding (RFC 8489 §14).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal ref struct StunAttributeReader
{
    public const int HeaderLength = 4;

    private readonly ReadOnlySpan<byte> _message;
    private int _offset;

    public StunAttributeReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        _offset = StunMessage.HeaderLength;
    }

    /// <summary>Set when an attribute (with its padding) runs past the end of the message.</summary>
    public bool Malformed { get; private set; }

    /// <summary>The next attribute: its type, the offset of its header and the offset and length of its value.</summary>
    public bool TryReadNext(out ushort type, out int headerOffset, out int valueOffset, out int valueLength)
    {
        type = 0;
        headerOffset = _offset;
        valueOffset = 0;
        valueLength = 0;
        var remaining = _message.Length - _offset;
        if (remaining == 0 || Malformed)
        {
            return false;
        }

        if (remaining < HeaderLength)
        {
            Malformed = true;
            return false;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(_message[_offset..]);
        valueLength = BinaryPrimitives.ReadUInt16BigEndian(_message[(_offset + 2)..]);
        var padded = Padded(valueLength);
        if (remaining - HeaderLength < padded)
        {
            Malformed = true;
            return false;
        }

        valueOffset = _offset + HeaderLength;
        _offset = valueOffset + padded;
        return true;
    }

    public static int Padded(int length) => (length + 3) & ~3;
}
