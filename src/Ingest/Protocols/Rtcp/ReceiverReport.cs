using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// An RR packet (RFC 3550 §6.4.2): the reporter's SSRC and up to 31 report blocks.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC × 24 bytes)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class ReceiverReport
{
    /// <summary>The five-bit RC field caps the blocks in one packet.</summary>
    public const int MaxReports = 31;
    private const int FixedLength = 8;
    private const int SsrcLength = FixedLength - RtcpHeader.Length;

    /// <summary>
    /// Writes an RR with <paramref name="reports"/>; false when the destination is too short.
    /// More than <see cref="MaxReports"/> blocks is a caller bug: split them over several packets.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, ReadOnlySpan<ReceptionReport> reports,
        out int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reports.Length, MaxReports, nameof(reports));
        written = 0;
        var length = FixedLength + (reports.Length * ReceptionReport.Length);
        if (destination.Length < length)
        {
            return false;
        }

        RtcpHeader.Write(destination, reports.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        for (var i = 0; i < reports.Length; i++)
        {
            reports[i].Write(destination[(FixedLength + (i * ReceptionReport.Length))..]);
        }

        written = length;
        return true;
    }

    /// <summary>
    /// Parses the RR at the start of <paramref name="packet"/>, copying as many blocks as fit in
    /// <paramref name="reports"/>; <paramref name="count"/> is the number copied. False for another type or when
    /// the RC blocks do not fit in the packet.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, Span<ReceptionReport> reports,
        out int count)
    {
        senderSsrc = 0;
        count = 0;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.ReceiverReport, SsrcLength, out var header)
            || header.BodyLength < SsrcLength + (header.Count * ReceptionReport.Length))
        {
            return false;
        }

        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        count = Math.Min(header.Count, reports.Length);
        for (var i = 0; i < count; i++)
        {
            reports[i] = ReceptionReport.Read(packet[(FixedLength + (i * ReceptionReport.Length))..]);
        }

        return true;
    }
}
