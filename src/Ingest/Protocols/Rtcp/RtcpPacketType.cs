namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611); all fall in 192..223 (RFC 5761 §4).</summary>
public static class RtcpPacketType
{
    public const byte SenderReport = 200;
    public const byte ReceiverReport = 201;
    public const byte SourceDescription = 202;
    public const byte Goodbye = 203;
    public const byte Application = 204;
    public const byte TransportFeedback = 205;
    public const byte PayloadFeedback = 206;
    public const byte ExtendedReport = 207;
}
