using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>
/// Reads H.265 RTP payloads (RFC 7798 §4.4). Every payload starts with the two-byte NAL unit header; its type says
/// whether the payload is one NAL unit (0–47), an aggregation packet (AP, 48) or a fragment (FU, 49).
/// <code>
/// Payload header:                     FU header:
/// +---------------+---------------+   +---------------+
/// |0|1|2|3|4|5|6|7|0|1|2|3|4|5|6|7|   |0|1|2|3|4|5|6|7|
/// |F|   Type    |  LayerId  | TID |   |S|E|  FuType   |
/// +---------------+---------------+   +---------------+
/// </code>
/// This reader assumes sprop-max-don-diff 0 (no DONL fields), which is what cameras send.
/// </summary>
public static class H265Payload
{
    private const int HeaderLength = 2;
    private const int AggregationPacket = 48;
    private const int FragmentationUnit = 49;
    private const byte StartBit = 0b1000_0000;
    private const int SizeLength = 2;

    /// <summary>The NAL unit type of a two-byte H.265 NAL unit header.</summary>
    public static int NalType(byte firstHeaderByte) => (firstHeaderByte >> 1) & 0x3F;

    /// <summary>
    /// True when the payload begins a key frame: an IRAP picture (BLA, IDR, CRA: types 16–23) or a VPS/SPS, alone,
    /// inside a well-formed AP, or as the first fragment of an FU. Truncated or malformed payloads never are.
    /// </summary>
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderLength + 1)
        {
            return false;
        }

        var type = NalType(payload[0]);
        return type switch
        {
            AggregationPacket => AggregateHasKeyUnit(payload[HeaderLength..]),
            FragmentationUnit => payload.Length >= HeaderLength + 2 && (payload[HeaderLength] & StartBit) != 0
                && IsKeyType(payload[HeaderLength] & 0x3F),
            _ => IsKeyType(type),
        };
    }

    private static bool IsKeyType(int type) => type is (>= 16 and <= 23) or 32 or 33;

    private static bool AggregateHasKeyUnit(ReadOnlySpan<byte> units)
    {
        var found = false;
        while (!units.IsEmpty)
        {
            if (units.Length < SizeLength)
            {
                return false;
            }

            int size = BinaryPrimitives.ReadUInt16BigEndian(units);
            units = units[SizeLength..];
            if (size < HeaderLength || size > units.Length)
            {
                return false;
            }

            found |= size > HeaderLength && IsKeyType(NalType(units[0]));
            units = units[size..];
        }

        return found;
    }
}
