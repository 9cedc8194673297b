using System.Buffers.Binary;

namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>
/// Reads H.264 RTP payloads in non-interleaved mode (RFC 6184 §5.6–5.8). Every payload starts with a NAL unit
/// header; its type says whether the payload is one NAL unit (1–23), an aggregate (STAP-A, 24) or a fragment
/// (FU-A, 28).
/// <code>
/// NAL unit header and FU indicator:   FU header:        STAP-A:
/// +---------------+                   +---------------+ +----------+-----------+---------+-----------+---------+
/// |0|1|2|3|4|5|6|7|                   |0|1|2|3|4|5|6|7| | STAP-A   | NALU 1    | NALU 1  | NALU 2    | ...     |
/// +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+ | header   | size (16) | bytes   | size (16) |         |
/// |F|NRI|  Type   |                   |S|E|R|  Type   | +----------+-----------+---------+-----------+---------+
/// +---------------+                   +---------------+
/// </code>
/// </summary>
public static class H264Payload
{
    private const byte NalTypeMask = 0b0001_1111;
    private const byte StartBit = 0b1000_0000;
    private const byte NonIdrSlice = 1;
    private const byte IdrSlice = 5;
    private const byte SequenceParameterSet = 7;
    private const byte StapA = 24;
    private const byte FuA = 28;
    private const int StapSizeLength = 2;

    /// <summary>
    /// True when the payload begins a key frame: an IDR slice or an SPS, alone, inside a well-formed STAP-A, or as
    /// the first fragment (S bit) of an FU-A. A NAL unit counts only with its header plus at least one byte;
    /// truncated or malformed payloads are never key frames.
    /// </summary>
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2)
        {
            return false;
        }

        var type = (byte)(payload[0] & NalTypeMask);
        return type switch
        {
            StapA => AggregateHasKeyUnit(payload[1..]),
            // FU indicator, FU header, then at least one byte of the fragment.
            FuA => payload.Length >= 3 && (payload[1] & StartBit) != 0 && IsKeyType(payload[1]),
            _ => IsKeyType(payload[0]),
        };
    }

    /// <summary>
    /// The slice_type (ITU-T H.264 §7.4.3: 0 P, 1 B, 2 I, 3 SP, 4 SI, plus 5 when every slice of the picture has it)
    /// of the first slice the payload starts: a single slice NAL unit, the first slice inside a STAP-A, or the first
    /// fragment of an FU-A. False when the payload starts no slice.
    /// </summary>
    public static bool TryGetSliceType(ReadOnlySpan<byte> payload, out int sliceType)
    {
        sliceType = -1;
        if (payload.Length < 2)
        {
            return false;
        }

        var type = (byte)(payload[0] & NalTypeMask);
        switch (type)
        {
            case StapA:
                var units = payload[1..];
                while (units.Length > StapSizeLength)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(units);
                    units = units[StapSizeLength..];
                    if (size == 0 || size > units.Length)
                    {
                        return false;
                    }

                    if (IsSlice(units[0]))
                    {
                        return TryReadSliceType(units[1..size], out sliceType);
                    }

                    units = units[size..];
                }

                return false;
            case FuA:
                return payload.Length >= 3 && (payload[1] & StartBit) != 0 && IsSlice(payload[1]) && TryReadSliceType(payload[2..], out sliceType);
            default:
                return IsSlice(payload[0]) && TryReadSliceType(payload[1..], out sliceType);
        }
    }

    private static bool IsSlice(byte header) => (header & NalTypeMask) is NonIdrSlice or IdrSlice;

    // slice_header(): first_mb_in_slice ue(v), slice_type ue(v).
    private static bool TryReadSliceType(ReadOnlySpan<byte> sliceData, out int sliceType)
    {
        var reader = new RbspBitReader(sliceData);
        reader.ReadUe();
        var value = reader.ReadUe();
        sliceType = reader.Failed || value > 9 ? -1 : (int)value;
        return sliceType >= 0;
    }

    private static bool IsKeyType(byte header) => (header & NalTypeMask) is IdrSlice or SequenceParameterSet;

    /// <summary>Walks every size-prefixed unit; any unit running past the end makes the whole aggregate invalid.</summary>
    private static bool AggregateHasKeyUnit(ReadOnlySpan<byte> units)
    {
        var found = false;
        while (!units.IsEmpty)
        {
            if (units.Length < StapSizeLength)
            {
                return false;
            }

            int size = BinaryPrimitives.ReadUInt16BigEndian(units);
            units = units[StapSizeLength..];
            if (size == 0 || size > units.Length)
            {
                return false;
            }

            found |= size >= 2 && IsKeyType(units[0]);
            units = units[size..];
        }

        return found;
    }
}
