namespace Broadcast.E2E.Tests.Latency;

/// <summary>
/// The wall-clock time a frame was made, written into the top of its picture as black and white blocks that survive
/// H.264 at a modest bitrate, and read back from a decoded picture. Pure: no clock, no I/O.
/// <code>
///  bit    0        8                                     56        64          72       79
///        +--------+-------------------------------------+---------+-----------+--------+
///        | 0xA5   | Unix time in ms, 48 bits, MSB first | counter | CRC-8 of  | 0x5A   |
///        | start  |                                     | mod 256 | bits 8-63 | end    |
///        +--------+-------------------------------------+---------+-----------+--------+
/// </code>
/// The 80 bits run left to right over two rows of 40 blocks (bits 0–39 on the top row, 40–79 below). A 640-pixel
/// picture has 16×16 blocks, one per H.264 macroblock, so the code is a band of 32 rows; a picture of another width is
/// read with blocks of width / 40. White is 1. A reader takes the majority of the pixels in the middle half of each
/// block (the edges are where deblocking and chroma subsampling smear), then drops a frame whose markers or CRC
/// (polynomial 0x07, over the six time bytes and the counter) do not check out: a misread is dropped, never counted.
/// The page's reader (latency.js) implements the same layout.
/// </summary>
internal static class TimestampCode
{
    public const int Columns = 40;
    public const int Rows = 2;
    public const int Bits = Columns * Rows;
    public const byte StartMarker = 0xA5;
    public const byte EndMarker = 0x5A;

    /// <summary>Largest time the 48-bit field holds (year 10889).</summary>
    public const long MaxUnixMilliseconds = (1L << 48) - 1;

    private const byte Black = 16;
    private const byte White = 235;
    private const int Threshold = 128;

    /// <summary>Height of the band, in rows of a picture <paramref name="width"/> wide.</summary>
    public static int BandHeight(int width) => Rows * (width / Columns);

    /// <summary>The 80 bits, as 10 bytes most significant bit first: start, time (6), counter, CRC, end.</summary>
    public static byte[] Payload(long unixMilliseconds, byte counter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unixMilliseconds, MaxUnixMilliseconds);
        var bytes = new byte[Bits / 8];
        bytes[0] = StartMarker;
        for (var i = 0; i < 6; i++)
        {
            bytes[1 + i] = (byte)(unixMilliseconds >> (8 * (5 - i)));
        }

        bytes[7] = counter;
        bytes[8] = Crc8(bytes.AsSpan(1, 7));
        bytes[9] = EndMarker;
        return bytes;
    }

    /// <summary>
    /// Paints the code into the top <see cref="BandHeight"/> rows of a luma plane (BT.601 limited range: black 16,
    /// white 235). The rest of the plane is left alone.
    /// </summary>
    public static void Write(Span<byte> luma, int width, int height, int stride, long unixMilliseconds, byte counter)
    {
        var block = width / Columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(block, 1, nameof(width));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, Rows * block);
        var payload = Payload(unixMilliseconds, counter);
        for (var bit = 0; bit < Bits; bit++)
        {
            var value = (payload[bit / 8] & (0x80 >> (bit % 8))) != 0 ? White : Black;
            var x0 = (bit % Columns) * block;
            var y0 = (bit / Columns) * block;
            for (var y = y0; y < y0 + block; y++)
            {
                luma.Slice((y * stride) + x0, block).Fill(value);
            }
        }
    }

    /// <summary>
    /// Reads the code from a decoded luma plane; false when the markers or the CRC do not check out (no code, a
    /// misread block).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> luma, int width, int height, int stride, out long unixMilliseconds, out byte counter)
    {
        unixMilliseconds = 0;
        counter = 0;
        var block = width / Columns;
        if (block < 2 || height < Rows * block || luma.Length < ((Rows * block) - 1) * stride + width)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Bits / 8];
        bytes.Clear();
        var margin = block / 4;
        for (var bit = 0; bit < Bits; bit++)
        {
            var x0 = ((bit % Columns) * block) + margin;
            var y0 = ((bit / Columns) * block) + margin;
            var size = block - (2 * margin);
            var bright = 0;
            for (var y = y0; y < y0 + size; y++)
            {
                foreach (var sample in luma.Slice((y * stride) + x0, size))
                {
                    if (sample >= Threshold)
                    {
                        bright++;
                    }
                }
            }

            if (2 * bright > size * size)
            {
                bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            }
        }

        if (bytes[0] != StartMarker || bytes[9] != EndMarker || bytes[8] != Crc8(bytes.Slice(1, 7)))
        {
            return false;
        }

        for (var i = 0; i < 6; i++)
        {
            unixMilliseconds = (unixMilliseconds << 8) | bytes[1 + i];
        }

        counter = bytes[7];
        return true;
    }

    /// <summary>CRC-8 with polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no reflection (CRC-8/SMBUS).</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (var value in data)
        {
            crc ^= value;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x07) : (byte)(crc << 1);
            }
        }

        return crc;
    }
}
