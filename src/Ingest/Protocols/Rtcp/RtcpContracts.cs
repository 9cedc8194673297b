// CONTRACT STUBS: the Protocols helper replaces this file with one file per type (same signatures).
using System.Diagnostics.CodeAnalysis;

namespace Broadcast.Ingest.Protocols.Rtcp;

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

public readonly struct RtcpHeader
{
    public const int Length = 4;
    public byte Count { get; init; }
    public byte PacketType { get; init; }
    public bool Padding { get; init; }
    public int PacketLength { get; init; }
    public static bool IsRtcp(ReadOnlySpan<byte> datagram) => throw new NotImplementedException();
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtcpHeader header) => throw new NotImplementedException();
}

[SuppressMessage("Style", "IDE0060")]
public ref struct RtcpCompoundReader
{
    public RtcpCompoundReader(ReadOnlySpan<byte> compound) => throw new NotImplementedException();
    public readonly bool Malformed => throw new NotImplementedException();
    public bool TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet) => throw new NotImplementedException();
}

public readonly struct SenderReport
{
    public const int LengthWithoutBlocks = 28;
    public uint Ssrc { get; init; }
    public ulong NtpTimestamp { get; init; }
    public uint RtpTimestamp { get; init; }
    public uint PacketCount { get; init; }
    public uint OctetCount { get; init; }
    public static bool TryParse(ReadOnlySpan<byte> packet, out SenderReport report) => throw new NotImplementedException();
    public bool TryWrite(Span<byte> destination, out int written) => throw new NotImplementedException();
}

public struct ReceptionReport
{
    public const int Length = 24;
    public uint Ssrc { get; set; }
    public byte FractionLost { get; set; }
    public int CumulativeLost { get; set; }
    public uint ExtendedHighestSequence { get; set; }
    public uint Jitter { get; set; }
    public uint LastSenderReport { get; set; }
    public uint DelaySinceLastSenderReport { get; set; }
}

public static class ReceiverReport
{
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, ReadOnlySpan<ReceptionReport> reports, out int written) => throw new NotImplementedException();
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, Span<ReceptionReport> reports, out int count) => throw new NotImplementedException();
}

public static class PictureLossIndication
{
    public const int Length = 12;
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, out int written) => throw new NotImplementedException();
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc) => throw new NotImplementedException();
}

public static class FullIntraRequest
{
    public const int Length = 20;
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte sequenceNumber, out int written) => throw new NotImplementedException();
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc, out byte sequenceNumber) => throw new NotImplementedException();
}
