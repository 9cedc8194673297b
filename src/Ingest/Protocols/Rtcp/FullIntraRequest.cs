using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// Full Intra Request (RFC 5104 §4.3.1): a payload-specific feedback message (PT=206, FMT=4) whose FCI names the
/// media sender and a command sequence number, so a repeated request is not mistaken for a new one.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=4   |    PT=206     |          length=4             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                              SSRC                             |  FCI
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Seq nr.       |    Reserved                                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// RFC 5104 says the media source field SHALL be 0; like mediasoup we fill it with the media SSRC too, which
/// encoders accept and some older ones need. Parsing reads the SSRC of the first FCI entry.
/// </summary>
public static class FullIntraRequest
{
    public const int Length = 20;
    public const byte Format = 4;
    private const int BodyLength = Length - RtcpHeader.Length;

    /// <summary>Writes a 20-byte FIR with one FCI entry; false when the destination is too short.</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte sequenceNumber,
        out int written)
    {
        written = 0;
        if (destination.Length < Length)
        {
            return false;
        }

        RtcpHeader.Write(destination, Format, RtcpPacketType.PayloadFeedback, Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], mediaSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)sequenceNumber << 24); // reserved bits zero
        written = Length;
        return true;
    }

    /// <summary>Parses the FIR at the start of <paramref name="packet"/> (its first FCI entry); false for any other packet.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc,
        out byte sequenceNumber)
    {
        senderSsrc = 0;
        mediaSsrc = 0;
        sequenceNumber = 0;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.PayloadFeedback, BodyLength, out var header)
            || header.Count != Format)
        {
            return false;
        }

        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        sequenceNumber = packet[16];
        return true;
    }
}
