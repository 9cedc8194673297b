using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03): an application-layer feedback message
/// (PT=206, FMT=15, media source 0) telling the sender the most it should send, for the listed SSRCs.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback (Num SSRC times)                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The bitrate is mantissa · 2^exp bits per second.
/// </summary>
public static class ReceiverEstimatedMaximumBitrate
{
    public const byte Format = 15;
    public const int MaxSsrcs = 255;
    private const int FixedLength = 20;
    private const uint Identifier = 0x52454D42; // "REMB"
    private const int MantissaBits = 18;
    private const uint MantissaMask = (1u << MantissaBits) - 1;

    public static int LengthFor(int ssrcCount) => FixedLength + (4 * ssrcCount);

    /// <summary>Writes a REMB for <paramref name="ssrcs"/>; false when the destination is too short.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than 255 SSRCs, or none.</exception>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ssrcs.Length, MaxSsrcs);
        ArgumentOutOfRangeException.ThrowIfZero(ssrcs.Length);
        written = 0;
        var length = LengthFor(ssrcs.Length);
        if (destination.Length < length)
        {
            return false;
        }

        // The smallest exponent that fits the mantissa in 18 bits keeps the most precision.
        var exponent = 0;
        var mantissa = bitrate;
        while (mantissa > MantissaMask)
        {
            mantissa >>= 1;
            exponent++;
        }

        RtcpHeader.Write(destination, Format, RtcpPacketType.PayloadFeedback, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Identifier);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], ((uint)ssrcs.Length << 24) | ((uint)exponent << MantissaBits) | (uint)mantissa);
        for (var i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(FixedLength + (4 * i))..], ssrcs[i]);
        }

        written = length;
        return true;
    }

    /// <summary>Parses a REMB; <paramref name="ssrcs"/> receives as many SSRCs as fit, <paramref name="count"/> how many.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out ulong bitrate, Span<uint> ssrcs, out int count)
    {
        senderSsrc = 0;
        bitrate = 0;
        count = 0;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.PayloadFeedback, FixedLength - RtcpHeader.Length, out var header)
            || header.Count != Format
            || BinaryPrimitives.ReadUInt32BigEndian(packet[12..]) != Identifier)
        {
            return false;
        }

        var word = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        var listed = (int)(word >> 24);
        if (header.PacketLength < LengthFor(listed))
        {
            return false;
        }

        var exponent = (int)((word >> MantissaBits) & 0x3F);
        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        // An exponent past 45 would overflow 64 bits with an 18-bit mantissa: saturate.
        bitrate = exponent > 45 ? ulong.MaxValue : (ulong)(word & MantissaMask) << exponent;
        count = Math.Min(listed, ssrcs.Length);
        for (var i = 0; i < count; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(packet[(FixedLength + (4 * i))..]);
        }

        return true;
    }
}
