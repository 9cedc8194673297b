using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// The common header of every RTCP packet (RFC 3550 §6.4). The count field is RC for reports, SC for SDES and BYE,
/// and FMT for feedback messages (RFC 4585 §6.1). The length field counts 32-bit words minus one, header and
/// padding included.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| RC/FMT  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly struct RtcpHeader
{
    public const int Length = 4;

    /// <summary>
    /// The shortest datagram <see cref="IsRtcp"/> accepts: the header plus the sender SSRC that SR, RR and every
    /// feedback message carry. A lone 4-byte header (an empty BYE) is legal inside a compound, never on its own.
    /// </summary>
    private const int MinimumDatagramLength = 8;
    private const byte VersionMask = 0b1100_0000;
    private const byte Version2 = 0b1000_0000;
    private const byte PaddingBit = 0b0010_0000;
    private const byte CountMask = 0b0001_1111;
    private const byte FirstPacketType = 192;
    private const byte LastPacketType = 223;

    /// <summary>RC, SC or FMT: the low five bits of the first byte.</summary>
    public byte Count { get; init; }
    public byte PacketType { get; init; }
    public bool Padding { get; init; }

    /// <summary>The whole packet in bytes, header and padding included: (length field + 1) * 4.</summary>
    public int PacketLength { get; init; }

    /// <summary>Trailing padding bytes including the count byte, 0 without the P bit.</summary>
    internal int PaddingLength { get; init; }

    /// <summary>The bytes after the header that are not padding.</summary>
    internal int BodyLength => PacketLength - Length - PaddingLength;

    /// <summary>
    /// RFC 5761 §4 demux: version 2 and a packet type in 192..223, where RTP payload types (with the marker bit)
    /// cannot land. At least 8 bytes, the size of the smallest packet that may lead a datagram.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= MinimumDatagramLength
        && (datagram[0] & VersionMask) == Version2
        && datagram[1] is >= FirstPacketType and <= LastPacketType;

    /// <summary>
    /// Parses the header at the start of <paramref name="packet"/>; false when the version is not 2, when the
    /// packet runs past the span, or when the padding count is zero or larger than the body.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtcpHeader header)
    {
        header = default;
        if (packet.Length < Length || (packet[0] & VersionMask) != Version2)
        {
            return false;
        }

        var packetLength = (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) + 1) * 4;
        if (packetLength > packet.Length)
        {
            return false;
        }

        var padding = 0;
        if ((packet[0] & PaddingBit) != 0)
        {
            padding = packet[packetLength - 1];
            if (padding == 0 || padding > packetLength - Length)
            {
                return false;
            }
        }

        header = new RtcpHeader
        {
            Count = (byte)(packet[0] & CountMask),
            PacketType = packet[1],
            Padding = padding != 0,
            PacketLength = packetLength,
            PaddingLength = padding,
        };
        return true;
    }

    /// <summary>Parses a header of type <paramref name="packetType"/> whose body holds at least <paramref name="minimumBodyLength"/> bytes.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> packet, byte packetType, int minimumBodyLength, out RtcpHeader header) =>
        TryParse(packet, out header) && header.PacketType == packetType && header.BodyLength >= minimumBodyLength;

    /// <summary>Writes a header without padding; the caller has checked that four bytes fit.</summary>
    internal static void Write(Span<byte> destination, int count, byte packetType, int packetLength)
    {
        destination[0] = (byte)(Version2 | (count & CountMask));
        destination[1] = packetType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((packetLength / 4) - 1));
    }
}
