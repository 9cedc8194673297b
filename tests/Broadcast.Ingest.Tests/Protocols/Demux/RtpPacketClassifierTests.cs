using Broadcast.Ingest.Protocols.Demux;

namespace Broadcast.Ingest.Tests.Protocols.Demux;

public class RtpPacketClassifierTests
{
    // A STUN binding request: type 0x0001, length 0, magic cookie, 12-byte transaction id.
    private const string StunBindingRequest = "00 01 00 00  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae";

    // A DTLS 1.2 handshake record header: content type 22, version fe fd, epoch, sequence, length.
    private const string DtlsRecordHeader = "16 fe fd  00 00  00 00 00 00 00 00  00 10";

    public static TheoryData<string, string, PacketKind> Datagrams => new()
    {
        { "STUN binding request", StunBindingRequest, PacketKind.Stun },
        { "STUN success response", "01 01" + StunBindingRequest[5..], PacketKind.Stun },
        { "STUN with first byte 3", "03" + StunBindingRequest[2..], PacketKind.Stun },
        { "STUN without the magic cookie", "00 01 00 00  21 12 a4 43  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae", PacketKind.Unknown },
        { "STUN one byte short", StunBindingRequest[..^3], PacketKind.Unknown },
        { "DTLS handshake record", DtlsRecordHeader + " 01 00", PacketKind.Dtls },
        { "DTLS record header alone", DtlsRecordHeader, PacketKind.Dtls },
        { "DTLS application data (23)", "17" + DtlsRecordHeader[2..], PacketKind.Dtls },
        { "DTLS one byte short", DtlsRecordHeader[..^3], PacketKind.Unknown },
        { "first byte 63, last of the DTLS range", "3f" + DtlsRecordHeader[2..], PacketKind.Dtls },
        { "RTP with PT 96", "80 60 00 01  00 00 00 02  00 00 00 03", PacketKind.Rtp },
        { "RTP with PT 96 and the marker bit (224)", "80 e0 00 01  00 00 00 02  00 00 00 03  aa", PacketKind.Rtp },
        { "RTP with extension and padding bits", "b0 6f 00 01  00 00 00 02  00 00 00 03", PacketKind.Rtp },
        { "RTP one byte short", "80 60 00 01  00 00 00 02  00 00 00", PacketKind.Unknown },
        { "RTCP sender report", "80 c8 00 06  5e 4f 12 34  e9 a1 b2 c3  40 00 00 00  00 01 5f 90  00 00 01 2c  00 04 93 e0", PacketKind.Rtcp },
        { "RTCP receiver report without blocks", "80 c9 00 01  00 00 00 01", PacketKind.Rtcp },
        { "RTCP too short to lead a datagram", "80 cb 00 00", PacketKind.Unknown },
        { "ZRTP (16..19)", "10 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00", PacketKind.Unknown },
        { "TURN channel data (64..79)", "40 00 00 04  de ad be ef  00 00 00 00  00 00 00 00", PacketKind.Unknown },
        { "version 3 (192..255)", "c0 60 00 01  00 00 00 02  00 00 00 03", PacketKind.Unknown },
        { "first byte 4", "04 01 00 00  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae", PacketKind.Unknown },
        { "first byte 100", "64 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00", PacketKind.Unknown },
        { "a single RTP-range byte", "80", PacketKind.Unknown },
        { "empty", "", PacketKind.Unknown },
    };

    [Theory]
    [MemberData(nameof(Datagrams))]
    public void Classify_sorts_datagrams_in_rfc_7983_order(string reason, string hex, PacketKind expected)
    {
        Assert.True(expected == RtpPacketClassifier.Classify(Hex.Bytes(hex)), reason);
    }
}
