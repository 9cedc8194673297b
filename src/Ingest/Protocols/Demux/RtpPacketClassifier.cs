using System.Buffers.Binary;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Protocols.Demux;

/// <summary>
/// The one demux for a port shared by STUN, DTLS, RTP and RTCP, by the first byte (RFC 7983 §7), then RTP from
/// RTCP by the second byte (RFC 5761 §4). Only cheap checks: the protocol's own parser validates the rest.
/// <code>
///                 +----------------+
///                 |        [0..3] -+--> STUN (length ≥ 20, magic cookie 0x2112A442)
///                 |      [16..19] -+--> ZRTP      (Unknown here)
///     packet -->  |      [20..63] -+--> DTLS (length ≥ 13, the record header)
///                 |      [64..79] -+--> TURN channel (Unknown here)
///                 |    [128..191] -+--> RTCP when the second byte is 192..223, else RTP (length ≥ 12)
///                 +----------------+
/// </code>
/// </summary>
public static class RtpPacketClassifier
{
    private const int StunHeaderLength = 20;
    private const uint StunMagicCookie = 0x2112A442;
    private const int DtlsRecordHeaderLength = 13;
    private const byte RtcpFirstPacketType = 192;
    private const byte RtcpLastPacketType = 223;

    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return PacketKind.Unknown;
        }

        switch (datagram[0])
        {
            case <= 3:
                return datagram.Length >= StunHeaderLength
                    && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == StunMagicCookie
                    ? PacketKind.Stun
                    : PacketKind.Unknown;
            case >= 20 and <= 63:
                return datagram.Length >= DtlsRecordHeaderLength ? PacketKind.Dtls : PacketKind.Unknown;
            case >= 128 and <= 191:
                if (datagram.Length >= 2 && datagram[1] is >= RtcpFirstPacketType and <= RtcpLastPacketType)
                {
                    // RTP payload types never land here (RFC 5761 §4), so a short one is not RTP either.
                    return RtcpHeader.IsRtcp(datagram) ? PacketKind.Rtcp : PacketKind.Unknown;
                }

                return datagram.Length >= RtpHeader.FixedLength ? PacketKind.Rtp : PacketKind.Unknown;
            default:
                return PacketKind.Unknown;
        }
    }
}
