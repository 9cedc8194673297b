namespace Broadcast.Ingest.Protocols.Codecs;

/// <summary>
/// Reads VP8 RTP payloads (RFC 7741 §4.2–4.3): a payload descriptor of one to six bytes, then the VP8 payload
/// whose first byte carries the inverse key frame flag P.
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   | (present when M: a 15-bit PictureID)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL, when T or K)
///      +-+-+-+-+-+-+-+-+
///      |Size0|H| VER |P| first byte of the VP8 payload header
///      +-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class Vp8Payload
{
    private const byte ExtendedBit = 0b1000_0000;
    private const byte StartBit = 0b0001_0000;
    private const byte PartitionIdMask = 0b0000_0111;
    private const byte PictureIdBit = 0b1000_0000;
    private const byte Tl0PicIdxBit = 0b0100_0000;
    private const byte TidBit = 0b0010_0000;
    private const byte KeyIdxBit = 0b0001_0000;
    private const byte LongPictureIdBit = 0b1000_0000;
    private const byte InverseKeyFrameBit = 0b0000_0001;

    /// <summary>
    /// True when the payload starts partition 0 (S=1, PID=0) of a key frame (P=0). Only that packet carries the
    /// frame header; truncated descriptors and packets with no VP8 payload byte are never key frames.
    /// </summary>
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        var first = payload[0];
        if ((first & StartBit) == 0 || (first & PartitionIdMask) != 0)
        {
            return false;
        }

        var offset = 1;
        if ((first & ExtendedBit) != 0)
        {
            if (payload.Length <= offset)
            {
                return false;
            }

            var extension = payload[offset++];
            if ((extension & PictureIdBit) != 0)
            {
                if (payload.Length <= offset)
                {
                    return false;
                }

                offset += (payload[offset] & LongPictureIdBit) != 0 ? 2 : 1;
            }

            if ((extension & Tl0PicIdxBit) != 0)
            {
                offset++;
            }

            if ((extension & (TidBit | KeyIdxBit)) != 0)
            {
                offset++;
            }
        }

        return payload.Length > offset && (payload[offset] & InverseKeyFrameBit) == 0;
    }
}
