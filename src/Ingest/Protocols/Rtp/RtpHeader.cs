using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtp;

/// <summary>
/// The fixed RTP header and the offsets of what follows it (RFC 3550 §5.1), read from a packet without copying.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  profile (0xBEDE / 0x100X)    |  length in 32-bit words       |  (when X)
/// |                   header extension elements                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly struct RtpHeader
{
    public const int FixedLength = 12;
    private const byte VersionMask = 0b1100_0000;
    private const byte Version2 = 0b1000_0000;
    private const byte PaddingBit = 0b0010_0000;
    private const byte ExtensionBit = 0b0001_0000;
    private const byte CsrcCountMask = 0b0000_1111;
    private const byte MarkerBit = 0b1000_0000;
    private const byte PayloadTypeMask = 0b0111_1111;

    public bool Marker { get; init; }
    public byte PayloadType { get; init; }
    public ushort SequenceNumber { get; init; }
    public uint Timestamp { get; init; }
    public uint Ssrc { get; init; }
    public int CsrcCount { get; init; }

    /// <summary>The extension profile (0xBEDE one-byte, 0x100X two-byte), 0 when the X bit is clear.</summary>
    public ushort ExtensionProfile { get; init; }

    /// <summary>Offset of the first extension element, 0 when there is no extension.</summary>
    public int ExtensionOffset { get; init; }

    /// <summary>Length of the extension elements in bytes (the word count times four).</summary>
    public int ExtensionLength { get; init; }

    /// <summary>Offset of the payload: fixed header, CSRCs and extension.</summary>
    public int PayloadOffset { get; init; }

    /// <summary>Payload length without padding.</summary>
    public int PayloadLength { get; init; }

    /// <summary>Trailing padding bytes, including the count byte itself.</summary>
    public int PaddingLength { get; init; }

    public bool HasExtension => ExtensionOffset != 0;

    /// <summary>Parses the header of <paramref name="packet"/>; false for anything that is not a well-formed RTP packet.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpHeader header)
    {
        header = default;
        if (packet.Length < FixedLength || (packet[0] & VersionMask) != Version2)
        {
            return false;
        }

        var csrcCount = packet[0] & CsrcCountMask;
        var offset = FixedLength + (4 * csrcCount);
        if (packet.Length < offset)
        {
            return false;
        }

        ushort profile = 0;
        int extensionOffset = 0, extensionLength = 0;
        if ((packet[0] & ExtensionBit) != 0)
        {
            if (packet.Length < offset + 4)
            {
                return false;
            }

            profile = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            extensionLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) * 4;
            extensionOffset = offset + 4;
            offset = extensionOffset + extensionLength;
            if (packet.Length < offset)
            {
                return false;
            }
        }

        var padding = 0;
        if ((packet[0] & PaddingBit) != 0)
        {
            padding = packet[^1];
            // A padding count of zero is invalid, and padding may not eat into the header.
            if (padding == 0 || packet.Length - offset < padding)
            {
                return false;
            }
        }

        header = new RtpHeader
        {
            Marker = (packet[1] & MarkerBit) != 0,
            PayloadType = (byte)(packet[1] & PayloadTypeMask),
            SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            CsrcCount = csrcCount,
            ExtensionProfile = profile,
            ExtensionOffset = extensionOffset,
            ExtensionLength = extensionLength,
            PayloadOffset = offset,
            PayloadLength = packet.Length - offset - padding,
            PaddingLength = padding,
        };
        return true;
    }

    /// <summary>The payload of <paramref name="packet"/>, whose header this is, without padding.</summary>
    public ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> packet) => packet.Slice(PayloadOffset, PayloadLength);

    // Writers rewrite single fields in place: forwarding changes PT, sequence number and SSRC, nothing else.

    public static void WritePayloadType(Span<byte> packet, byte payloadType) =>
        packet[1] = (byte)((packet[1] & MarkerBit) | (payloadType & PayloadTypeMask));

    public static void WriteSequenceNumber(Span<byte> packet, ushort sequenceNumber) =>
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequenceNumber);

    public static void WriteTimestamp(Span<byte> packet, uint timestamp) =>
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);

    public static void WriteSsrc(Span<byte> packet, uint ssrc) =>
        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc);

    /// <summary>Writes a 12-byte header without CSRCs or extension; returns false when the destination is too short.</summary>
    public static bool TryWriteFixed(Span<byte> destination, bool marker, byte payloadType, ushort sequenceNumber,
        uint timestamp, uint ssrc)
    {
        if (destination.Length < FixedLength)
        {
            return false;
        }

        destination[0] = Version2;
        destination[1] = (byte)((marker ? MarkerBit : 0) | (payloadType & PayloadTypeMask));
        WriteSequenceNumber(destination, sequenceNumber);
        WriteTimestamp(destination, timestamp);
        WriteSsrc(destination, ssrc);
        return true;
    }
}
