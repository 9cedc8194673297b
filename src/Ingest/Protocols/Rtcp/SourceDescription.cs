using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// An SDES packet with one chunk carrying a CNAME (RFC 3550 §6.5), which must follow the report in every compound
/// packet (§6.1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  SC=1   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    CNAME=1    |     length    | user and domain name        ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ... followed by a zero byte (end of items) and padding to a 32-bit boundary.
/// </code>
/// Parsing reads the CNAME of the first chunk, wherever it stands among that chunk's items.
/// </summary>
public static class SourceDescription
{
    private const byte EndItem = 0;
    private const byte CnameItem = 1;
    private const int ChunkSsrcLength = 4;
    private const int ItemHeaderLength = 2;

    /// <summary>Writes the packet; false when <paramref name="destination"/> is too short or the CNAME longer than 255 bytes.</summary>
    public static bool TryWriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> cname, out int written)
    {
        written = 0;
        if (cname.Length > byte.MaxValue)
        {
            return false;
        }

        // Header, SSRC, item type and length, the text, then at least one zero byte up to a multiple of four.
        var length = (RtcpHeader.Length + 4 + 2 + cname.Length + 4) & ~3;
        if (destination.Length < length)
        {
            return false;
        }

        RtcpHeader.Write(destination, 1, RtcpPacketType.SourceDescription, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        destination[8] = CnameItem;
        destination[9] = (byte)cname.Length;
        cname.CopyTo(destination[10..]);
        destination[(10 + cname.Length)..length].Clear();
        written = length;
        return true;
    }

    /// <summary>
    /// Parses the SDES at the start of <paramref name="packet"/>: the SSRC of its first chunk and that chunk's CNAME,
    /// a slice of <paramref name="packet"/>. False for another type, no chunk, no CNAME before the chunk's end item,
    /// or an item that runs past the packet.
    /// </summary>
    public static bool TryParseCname(ReadOnlySpan<byte> packet, out uint ssrc, out ReadOnlySpan<byte> cname)
    {
        ssrc = 0;
        cname = default;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.SourceDescription, ChunkSsrcLength, out var header) || header.Count == 0)
        {
            return false;
        }

        var body = packet.Slice(RtcpHeader.Length, header.BodyLength);
        var items = body[ChunkSsrcLength..];
        while (items.Length >= ItemHeaderLength && items[0] != EndItem)
        {
            var length = items[1];
            if (items.Length < ItemHeaderLength + length)
            {
                return false;
            }

            if (items[0] == CnameItem)
            {
                ssrc = BinaryPrimitives.ReadUInt32BigEndian(body);
                cname = items.Slice(ItemHeaderLength, length);
                return true;
            }

            items = items[(ItemHeaderLength + length)..];
        }

        return false;
    }
}
