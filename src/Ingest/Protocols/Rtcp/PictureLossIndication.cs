using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// Picture Loss Indication (RFC 4585 §6.3.1): a payload-specific feedback message (PT=206, FMT=1) with no FCI that
/// asks the sender of <c>media source</c> for a key frame.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |    PT=206     |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class PictureLossIndication
{
    public const int Length = 12;
    public const byte Format = 1;
    private const int BodyLength = Length - RtcpHeader.Length;

    /// <summary>Writes a 12-byte PLI; false when the destination is too short.</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, out int written)
    {
        written = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        RtcpHeader.Write(destination, Format, RtcpPacketType.PayloadFeedback, Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        written = Length;
        return true;
    }

    /// <summary>Parses the PLI at the start of <paramref name="packet"/>; false for any other packet.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc)
    {
        senderSsrc = 0;
        mediaSsrc = 0;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.PayloadFeedback, BodyLength, out var header)
            || header.Count != Format)
        {
            return false;
        }

        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        return true;
    }
}
