using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// BYE (RFC 3550 §6.6): the listed sources are leaving. The optional reason is checked for length, not returned.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           SSRC/CSRC                           |
/// :                              ...                              :
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |     length    |               reason for leaving            ...  (optional)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class Goodbye
{
    /// <summary>The five-bit SC field caps the sources in one packet.</summary>
    public const int MaxSources = 31;
    private const int SsrcLength = 4;

    /// <summary>Writes a BYE for <paramref name="ssrcs"/> without a reason; false when the destination is too short.</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<uint> ssrcs, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ssrcs.Length, MaxSources, nameof(ssrcs));
        written = 0;
        var length = RtcpHeader.Length + (ssrcs.Length * SsrcLength);
        if (destination.Length < length)
        {
            return false;
        }

        RtcpHeader.Write(destination, ssrcs.Length, RtcpPacketType.Goodbye, length);
        for (var i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(RtcpHeader.Length + (i * SsrcLength))..], ssrcs[i]);
        }

        written = length;
        return true;
    }

    /// <summary>
    /// Parses the BYE at the start of <paramref name="packet"/>, copying as many SSRCs as fit in
    /// <paramref name="ssrcs"/>; <paramref name="count"/> is the number copied. False for another type, when the
    /// SC sources do not fit in the packet, or when the reason runs past it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, Span<uint> ssrcs, out int count)
    {
        count = 0;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.Goodbye, 0, out var header))
        {
            return false;
        }

        var sourcesLength = header.Count * SsrcLength;
        var rest = header.BodyLength - sourcesLength;
        if (rest < 0 || (rest > 0 && packet[RtcpHeader.Length + sourcesLength] + 1 > rest))
        {
            return false;
        }

        count = Math.Min(header.Count, ssrcs.Length);
        for (var i = 0; i < count; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(packet[(RtcpHeader.Length + (i * SsrcLength))..]);
        }

        return true;
    }
}
