namespace Broadcast.E2E.Tests.Latency;

/// <summary>The block code on synthetic frames: what is written reads back, damage within a block is outvoted, and a misread is refused.</summary>
public sealed class TimestampCodeTests
{
    private const int Width = 640;
    private const int Height = 360;
    private const long Time = 1_765_000_000_123; // December 2025

    [Fact]
    public void A_written_time_and_counter_read_back()
    {
        var luma = Frame();
        TimestampCode.Write(luma, Width, Height, Width, Time, 201);

        Assert.True(TimestampCode.TryRead(luma, Width, Height, Width, out var time, out var counter));
        Assert.Equal(Time, time);
        Assert.Equal(201, counter);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(TimestampCode.MaxUnixMilliseconds)]
    public void The_ends_of_the_48_bit_range_read_back(long value)
    {
        var luma = Frame();
        TimestampCode.Write(luma, Width, Height, Width, value, 0);

        Assert.True(TimestampCode.TryRead(luma, Width, Height, Width, out var time, out _));
        Assert.Equal(value, time);
    }

    [Fact]
    public void The_code_fills_the_top_32_rows_in_16_pixel_blocks_and_leaves_the_rest_of_the_picture_alone()
    {
        var luma = Frame();
        TimestampCode.Write(luma, Width, Height, Width, Time, 7);

        Assert.Equal(32, TimestampCode.BandHeight(Width));
        Assert.All(luma.AsSpan(32 * Width).ToArray(), sample => Assert.Equal(128, sample));
        // The start marker 0xA5 = 1010 0101: white, black, white, black, black, white, black, white blocks.
        byte[] expected = [235, 16, 235, 16, 16, 235, 16, 235];
        for (var column = 0; column < 8; column++)
        {
            Assert.Equal(expected[column], luma[(column * 16) + 3]);
            Assert.Equal(expected[column], luma[(15 * Width) + (column * 16) + 12]);
        }
    }

    [Fact]
    public void Noise_and_smeared_block_edges_as_after_lossy_coding_are_outvoted()
    {
        var luma = Frame();
        TimestampCode.Write(luma, Width, Height, Width, Time, 42);
        var random = new Random(3);
        for (var i = 0; i < luma.Length; i++)
        {
            luma[i] = (byte)Math.Clamp(luma[i] + random.Next(-60, 61), 0, 255);
        }

        // Every block's outer 3 pixels turned mid-grey, and a few wrong pixels inside each one.
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                if (x % 16 < 3 || x % 16 > 12 || y % 16 < 3 || y % 16 > 12)
                {
                    luma[(y * Width) + x] = 128;
                }
                else if ((x + y) % 7 == 0)
                {
                    luma[(y * Width) + x] = (byte)(255 - luma[(y * Width) + x]);
                }
            }
        }

        Assert.True(TimestampCode.TryRead(luma, Width, Height, Width, out var time, out var counter));
        Assert.Equal((Time, 42), (time, counter));
    }

    [Fact]
    public void A_picture_scaled_to_half_size_reads_with_blocks_of_its_own_width()
    {
        var full = Frame();
        TimestampCode.Write(full, Width, Height, Width, Time, 9);
        var half = new byte[(Width / 2) * (Height / 2)];
        for (var y = 0; y < Height / 2; y++)
        {
            for (var x = 0; x < Width / 2; x++)
            {
                half[(y * Width / 2) + x] = full[(2 * y * Width) + (2 * x)];
            }
        }

        Assert.True(TimestampCode.TryRead(half, Width / 2, Height / 2, Width / 2, out var time, out _));
        Assert.Equal(Time, time);
    }

    [Fact]
    public void A_stride_wider_than_the_picture_is_honoured()
    {
        const int stride = Width + 64;
        var luma = new byte[stride * Height];
        TimestampCode.Write(luma, Width, Height, stride, Time, 1);

        Assert.True(TimestampCode.TryRead(luma, Width, Height, stride, out var time, out _));
        Assert.Equal(Time, time);
        Assert.False(TimestampCode.TryRead(luma, Width, Height, Width, out _, out _));
    }

    [Theory]
    [InlineData(3)]   // in the start marker
    [InlineData(20)]  // in the time
    [InlineData(47)]  // in the time, on the second row
    [InlineData(60)]  // in the counter
    [InlineData(66)]  // in the CRC
    [InlineData(79)]  // in the end marker
    public void One_misread_block_anywhere_refuses_the_frame(int bit)
    {
        var luma = Frame();
        TimestampCode.Write(luma, Width, Height, Width, Time, 77);
        var x0 = (bit % TimestampCode.Columns) * 16;
        var y0 = (bit / TimestampCode.Columns) * 16;
        for (var y = y0; y < y0 + 16; y++)
        {
            for (var x = x0; x < x0 + 16; x++)
            {
                luma[(y * Width) + x] = (byte)(251 - luma[(y * Width) + x]);
            }
        }

        Assert.False(TimestampCode.TryRead(luma, Width, Height, Width, out _, out _));
    }

    [Fact]
    public void A_picture_without_a_code_is_refused()
    {
        Assert.False(TimestampCode.TryRead(Frame(), Width, Height, Width, out _, out _));
        Assert.False(TimestampCode.TryRead(new byte[Width * Height], Width, Height, Width, out _, out _));
        Assert.False(TimestampCode.TryRead(new byte[10], Width, Height, Width, out _, out _));
    }

    [Fact]
    public void The_CRC_is_CRC_8_SMBUS()
    {
        Assert.Equal(0xF4, TimestampCode.Crc8("123456789"u8));
        Assert.Equal(0x00, TimestampCode.Crc8([]));
    }

    [Fact]
    public void A_time_outside_48_bits_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimestampCode.Payload(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimestampCode.Payload(TimestampCode.MaxUnixMilliseconds + 1, 0));
    }

    private static byte[] Frame()
    {
        var luma = new byte[Width * Height];
        luma.AsSpan().Fill(128);
        return luma;
    }
}
