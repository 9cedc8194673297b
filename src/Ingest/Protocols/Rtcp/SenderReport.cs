using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// The sender info of an SR packet (RFC 3550 §6.4.1): what maps RTP time to wall-clock time. Report blocks are
/// ignored when parsing (they must still fit in the packet) and never written.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         SSRC of sender                        |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |              NTP timestamp, most significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             NTP timestamp, least significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP timestamp                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     sender's packet count                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      sender's octet count                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC × 24 bytes)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly struct SenderReport
{
    public const int LengthWithoutBlocks = 28;
    private const int SenderInfoLength = LengthWithoutBlocks - RtcpHeader.Length;

    public uint Ssrc { get; init; }

    /// <summary>64-bit NTP time: seconds since 1900 in the high word, the binary fraction in the low word.</summary>
    public ulong NtpTimestamp { get; init; }
    public uint RtpTimestamp { get; init; }
    public uint PacketCount { get; init; }
    public uint OctetCount { get; init; }

    /// <summary>Parses the SR at the start of <paramref name="packet"/>; false for another type or a short packet.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out SenderReport report)
    {
        report = default;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.SenderReport, SenderInfoLength, out var header)
            || header.BodyLength < SenderInfoLength + (header.Count * ReceptionReport.Length))
        {
            return false;
        }

        report = new SenderReport
        {
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            NtpTimestamp = BinaryPrimitives.ReadUInt64BigEndian(packet[8..]),
            RtpTimestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
            PacketCount = BinaryPrimitives.ReadUInt32BigEndian(packet[20..]),
            OctetCount = BinaryPrimitives.ReadUInt32BigEndian(packet[24..]),
        };
        return true;
    }

    /// <summary>Writes a 28-byte SR with no report blocks (RC=0); false when the destination is too short.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < LengthWithoutBlocks)
        {
            return false;
        }

        RtcpHeader.Write(destination, 0, RtcpPacketType.SenderReport, LengthWithoutBlocks);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], OctetCount);
        written = LengthWithoutBlocks;
        return true;
    }
}
