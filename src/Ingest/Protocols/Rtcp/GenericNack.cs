using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1): a transport-layer feedback message (PT=205, FMT=1) whose FCI entries each name
/// a lost packet (PID) and a bitmask of the 16 that follow it (BLP, least significant bit = PID+1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |    PT=205     |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            PID                |             BLP               |  FCI, repeated
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class GenericNack
{
    public const byte Format = 1;
    private const int FixedLength = 12;
    private const int ItemLength = 4;
    private const int BlpBits = 16;

    /// <summary>The 16-bit length field caps a packet at 65536 words.</summary>
    private const int MaxPacketLength = 65536 * 4;

    /// <summary>
    /// Writes a NACK for <paramref name="lostSequenceNumbers"/>, packing each number into the BLP of the previous
    /// entry when it lies 1..16 after its PID. Ascending input (wrapping at 65535) packs tightest; any order is
    /// still reported correctly. False when the destination is too short; an empty list is a caller bug.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc,
        ReadOnlySpan<ushort> lostSequenceNumbers, out int written)
    {
        if (lostSequenceNumbers.IsEmpty)
        {
            throw new ArgumentException("A NACK names at least one lost sequence number.", nameof(lostSequenceNumbers));
        }

        written = 0;
        destination = destination[..Math.Min(destination.Length, MaxPacketLength)];
        var offset = FixedLength;
        var pid = lostSequenceNumbers[0];
        ushort blp = 0;
        foreach (var sequenceNumber in lostSequenceNumbers[1..])
        {
            var distance = (ushort)(sequenceNumber - pid);
            if (distance == 0)
            {
                continue; // a duplicate of the PID
            }

            if (distance <= BlpBits)
            {
                blp |= (ushort)(1 << (distance - 1));
                continue;
            }

            if (!TryWriteItem(destination, ref offset, pid, blp))
            {
                return false;
            }

            pid = sequenceNumber;
            blp = 0;
        }

        if (!TryWriteItem(destination, ref offset, pid, blp))
        {
            return false;
        }

        RtcpHeader.Write(destination, Format, RtcpPacketType.TransportFeedback, offset);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        written = offset;
        return true;
    }

    /// <summary>
    /// Parses the NACK at the start of <paramref name="packet"/>, listing lost sequence numbers in FCI order (each
    /// PID, then its BLP bits from PID+1 up) into <paramref name="lostSequenceNumbers"/> until it is full;
    /// <paramref name="count"/> is the number written. False for any other packet or one without FCI entries.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc,
        Span<ushort> lostSequenceNumbers, out int count)
    {
        senderSsrc = 0;
        mediaSsrc = 0;
        count = 0;
        const int minimumBody = FixedLength - RtcpHeader.Length + ItemLength;
        if (!RtcpHeader.TryParse(packet, RtcpPacketType.TransportFeedback, minimumBody, out var header)
            || header.Count != Format)
        {
            return false;
        }

        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        var items = (header.BodyLength - (FixedLength - RtcpHeader.Length)) / ItemLength;
        for (var i = 0; i < items; i++)
        {
            var item = packet[(FixedLength + (i * ItemLength))..];
            var pid = BinaryPrimitives.ReadUInt16BigEndian(item);
            var blp = BinaryPrimitives.ReadUInt16BigEndian(item[2..]);
            if (!TryAdd(lostSequenceNumbers, ref count, pid))
            {
                return true;
            }

            for (var bit = 0; bit < BlpBits; bit++)
            {
                if ((blp & (1 << bit)) != 0 && !TryAdd(lostSequenceNumbers, ref count, (ushort)(pid + bit + 1)))
                {
                    return true;
                }
            }
        }

        return true;
    }

    private static bool TryWriteItem(Span<byte> destination, ref int offset, ushort pid, ushort blp)
    {
        if (destination.Length < offset + ItemLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], pid);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
        offset += ItemLength;
        return true;
    }

    private static bool TryAdd(Span<ushort> destination, ref int count, ushort sequenceNumber)
    {
        if (count == destination.Length)
        {
            return false;
        }

        destination[count++] = sequenceNumber;
        return true;
    }
}
