using System.Buffers.Binary;

namespace Broadcast.Transcode.Muxing;

/// <summary>Receives AAC access units from an <see cref="AacDepacketizer"/>.</summary>
public interface IAacReceiver
{
    /// <param name="frame">One raw AAC frame (1,024 samples for AAC-LC).</param>
    /// <param name="timestamp">Its RTP timestamp.</param>
    void OnAacFrame(ReadOnlySpan<byte> frame, uint timestamp);
}

/// <summary>
/// Depacketises MPEG-4 audio in RFC 3640's AAC-hbr (and AAC-lbr) modes: an AU-headers section (16-bit length in bits,
/// then per AU its size and index) followed by the AUs; several AUs per packet, or one AU fragmented over packets up to
/// the marker bit. Reads the sizes' widths from the fmtp (sizeLength, indexLength, indexDeltaLength).
/// </summary>
public sealed class AacDepacketizer(int sizeLength = 13, int indexLength = 3, int indexDeltaLength = 3, int samplesPerFrame = 1024)
{
    private byte[] _fragment = new byte[8192];
    private int _fragmentLength;
    private int _fragmentExpected = -1;
    private uint _fragmentTimestamp;

    /// <summary>Packets whose AU headers do not add up, and fragments that lost a piece.</summary>
    public long Malformed { get; private set; }

    /// <summary>One RTP payload in sequence order; <paramref name="afterLoss"/> when packets before it were lost.</summary>
    public void Push(ReadOnlySpan<byte> payload, uint timestamp, bool marker, bool afterLoss, IAacReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (afterLoss || (_fragmentExpected >= 0 && timestamp != _fragmentTimestamp))
        {
            if (_fragmentExpected >= 0)
            {
                Malformed++;
            }

            _fragmentExpected = -1;
        }

        if (payload.Length < 2)
        {
            Malformed++;
            return;
        }

        var headersBits = BinaryPrimitives.ReadUInt16BigEndian(payload);
        var headersBytes = (headersBits + 7) / 8;
        if (sizeLength is < 1 or > 16 || payload.Length < 2 + headersBytes)
        {
            Malformed++;
            return;
        }

        var headers = payload.Slice(2, headersBytes);
        var data = payload[(2 + headersBytes)..];
        if (_fragmentExpected >= 0)
        {
            // A continuation of a fragmented AU: its header repeats the whole AU's size.
            AppendFragment(data);
            if (marker)
            {
                FinishFragment(receiver);
            }

            return;
        }

        var bit = 0;
        var index = 0;
        while (bit + sizeLength + (index == 0 ? indexLength : indexDeltaLength) <= headersBits)
        {
            var size = (int)ReadBits(headers, bit, sizeLength);
            bit += sizeLength + (index == 0 ? indexLength : indexDeltaLength);
            if (size > data.Length)
            {
                if (index == 0 && bit >= headersBits)
                {
                    // The first part of an AU too big for one packet.
                    _fragmentExpected = size;
                    _fragmentTimestamp = timestamp;
                    _fragmentLength = 0;
                    AppendFragment(data);
                    if (marker)
                    {
                        FinishFragment(receiver);
                    }

                    return;
                }

                Malformed++;
                return;
            }

            receiver.OnAacFrame(data[..size], unchecked(timestamp + (uint)(index * samplesPerFrame)));
            data = data[size..];
            index++;
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> data)
    {
        if (_fragmentLength + data.Length > _fragment.Length)
        {
            Array.Resize(ref _fragment, Math.Max(_fragment.Length * 2, _fragmentLength + data.Length));
        }

        data.CopyTo(_fragment.AsSpan(_fragmentLength));
        _fragmentLength += data.Length;
    }

    private void FinishFragment(IAacReceiver receiver)
    {
        if (_fragmentLength == _fragmentExpected)
        {
            receiver.OnAacFrame(_fragment.AsSpan(0, _fragmentLength), _fragmentTimestamp);
        }
        else
        {
            Malformed++;
        }

        _fragmentExpected = -1;
    }

    private static uint ReadBits(ReadOnlySpan<byte> bytes, int offset, int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            var at = offset + i;
            value = (value << 1) | (uint)((bytes[at / 8] >> (7 - (at % 8))) & 1);
        }

        return value;
    }
}
