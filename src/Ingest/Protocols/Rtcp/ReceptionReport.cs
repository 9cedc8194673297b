using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// One report block of an SR or RR (RFC 3550 §6.4.1): reception statistics about one source.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_n (SSRC of the source)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </summary>
public struct ReceptionReport
{
    public const int Length = 24;

    // Cumulative lost is a signed 24-bit field: duplicates can make it negative (RFC 3550 §6.4.1).
    private const int CumulativeLostMax = 0x7F_FFFF;
    private const int CumulativeLostMin = -0x80_0000;
    private const int CumulativeLostMask = 0xFF_FFFF;

    public uint Ssrc { get; set; }

    /// <summary>Packets lost since the previous report, as a fixed-point fraction of 256.</summary>
    public byte FractionLost { get; set; }

    /// <summary>Signed; clamped to the 24-bit range when written.</summary>
    public int CumulativeLost { get; set; }
    public uint ExtendedHighestSequence { get; set; }
    public uint Jitter { get; set; }

    /// <summary>The middle 32 bits of the NTP timestamp of the last SR received from this source.</summary>
    public uint LastSenderReport { get; set; }

    /// <summary>In units of 1/65536 seconds.</summary>
    public uint DelaySinceLastSenderReport { get; set; }

    /// <summary>Reads a block; the caller has checked that <see cref="Length"/> bytes are there.</summary>
    internal static ReceptionReport Read(ReadOnlySpan<byte> block)
    {
        var lost = BinaryPrimitives.ReadUInt32BigEndian(block[4..]);
        return new ReceptionReport
        {
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(block),
            FractionLost = (byte)(lost >> 24),
            CumulativeLost = (int)(lost << 8) >> 8, // sign-extend the low 24 bits
            ExtendedHighestSequence = BinaryPrimitives.ReadUInt32BigEndian(block[8..]),
            Jitter = BinaryPrimitives.ReadUInt32BigEndian(block[12..]),
            LastSenderReport = BinaryPrimitives.ReadUInt32BigEndian(block[16..]),
            DelaySinceLastSenderReport = BinaryPrimitives.ReadUInt32BigEndian(block[20..]),
        };
    }

    /// <summary>Writes the block; the caller has checked that <see cref="Length"/> bytes fit.</summary>
    internal readonly void Write(Span<byte> block)
    {
        var lost = Math.Clamp(CumulativeLost, CumulativeLostMin, CumulativeLostMax) & CumulativeLostMask;
        BinaryPrimitives.WriteUInt32BigEndian(block, Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(block[4..], ((uint)FractionLost << 24) | (uint)lost);
        BinaryPrimitives.WriteUInt32BigEndian(block[8..], ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(block[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(block[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(block[20..], DelaySinceLastSenderReport);
    }
}
