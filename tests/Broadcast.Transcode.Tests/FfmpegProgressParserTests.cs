using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Transcode.Tests;

public class FfmpegProgressParserTests
{
    // FFmpeg 5.1's stderr, as captured from
    // ffmpeg -hide_banner -nostats -loglevel level+warning -progress pipe:2 -stats_period 1 -re
    //   -f lavfi -i testsrc2=size=320x240:rate=25 -t 2.5 -vsync cfr -c:v libx264 -f mp4 -movflags +empty_moov+frag_keyframe -
    private const string RealStderr = """
        [warning] -vsync is deprecated. Use -fps_mode
        frame=1
        fps=0.00
        stream_0_0_q=0.0
        bitrate=N/A
        total_size=787
        out_time_us=0
        out_time_ms=0
        out_time=00:00:00.000000
        dup_frames=0
        drop_frames=0
        speed=N/A
        progress=continue
        frame=26
        fps=25.85
        stream_0_0_q=0.0
        bitrate=N/A
        total_size=787
        out_time_us=0
        out_time_ms=0
        out_time=00:00:00.000000
        dup_frames=0
        drop_frames=0
        speed=   0x
        progress=continue
        frame=51
        fps=25.33
        stream_0_0_q=28.0
        bitrate= 157.1kbits/s
        total_size=787
        out_time_us=40078
        out_time_ms=40078
        out_time=00:00:00.040078
        dup_frames=0
        drop_frames=0
        speed=0.0199x
        progress=continue
        frame=63
        fps=24.51
        stream_0_0_q=-1.0
        bitrate= 289.9kbits/s
        total_size=86972
        out_time_us=2400078
        out_time_ms=2400078
        out_time=00:00:02.400078
        dup_frames=0
        drop_frames=0
        speed=0.934x
        progress=end

        """;

    // The last block of the same source encoded at 20 fps (-fps_mode cfr -r 20) into the null muxer: frames dropped,
    // no size and so no bitrate.
    private const string DroppingBlock = """
        frame=60
        fps=0.00
        stream_0_0_q=-1.0
        bitrate=N/A
        total_size=N/A
        out_time_us=2900000
        out_time_ms=2900000
        out_time=00:00:02.900000
        dup_frames=0
        drop_frames=13
        speed=27.4x
        progress=end

        """;

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public void Real_FFmpeg_output_gives_one_record_per_block_and_leaves_the_log_lines()
    {
        var (blocks, logLines) = Read(RealStderr);

        Assert.Equal(["[warning] -vsync is deprecated. Use -fps_mode"], logLines);
        Assert.Equal(4, blocks.Count);
        Assert.Equal(new FfmpegProgress(0, null, null, 1, 0, 0, 0, Now), blocks[0]);
        Assert.Equal(new FfmpegProgress(25.85, null, 0, 26, 0, 0, 0, Now), blocks[1]);
        Assert.Equal(new FfmpegProgress(25.33, 157.1, 0.0199, 51, 0, 0, 0.040078, Now), blocks[2]);
        Assert.Equal(new FfmpegProgress(24.51, 289.9, 0.934, 63, 0, 0, 2.400078, Now), blocks[3]);
    }

    [Fact]
    public void Dropped_frames_and_values_FFmpeg_does_not_know_are_read()
    {
        var (blocks, logLines) = Read(DroppingBlock);

        Assert.Empty(logLines);
        var block = Assert.Single(blocks);
        Assert.Equal(13, block.DroppedFrames);
        Assert.Null(block.BitrateKbps);
        Assert.Equal(27.4, block.Speed);
        Assert.Equal(2.9, block.OutTimeSeconds);
    }

    [Theory]
    [InlineData("speed=N/A")]
    [InlineData("speed=")]
    [InlineData("speed=x")]
    [InlineData("speed=fast")]
    [InlineData("speed=NaN")]
    [InlineData("speed=1e999x")]
    public void A_value_that_does_not_parse_is_null(string line)
    {
        var (blocks, _) = Read($"fps=N/A\nframe=\nbitrate=kbits/s\nout_time_us=N/A\ndrop_frames=many\n{line}\nprogress=continue\n");

        Assert.Equal(new FfmpegProgress(null, null, null, null, null, null, null, Now), Assert.Single(blocks));
    }

    [Fact]
    public void Padded_values_are_read()
    {
        var (blocks, _) = Read("speed=   1x\nbitrate=   6.1kbits/s\nfps= 25.00\nprogress=continue\n");

        var block = Assert.Single(blocks);
        Assert.Equal(1, block.Speed);
        Assert.Equal(6.1, block.BitrateKbps);
        Assert.Equal(25, block.Fps);
    }

    [Fact]
    public void A_block_split_across_reads_is_joined_even_inside_a_line()
    {
        var parts = new[] { 3, 7, 64, 1, 500, 11 };
        var (whole, _) = Read(RealStderr);

        var (split, logLines) = Read(Chunks(RealStderr, parts));

        Assert.Equal(whole, split);
        Assert.Equal(["[warning] -vsync is deprecated. Use -fps_mode"], logLines);
    }

    [Fact]
    public void A_log_line_between_and_inside_blocks_stays_a_log_line_and_the_blocks_are_whole()
    {
        const string Warning = "[mpegts @ 0x55e0c8a3c340] [warning] Packet corrupt (stream = 0, dts = 1800).";
        var blocks = RealStderr.Split("progress=continue\n");
        var text = string.Join($"progress=continue\n{Warning}\n", blocks)
            .Replace("stream_0_0_q=28.0\n", $"stream_0_0_q=28.0\n{Warning}\n", StringComparison.Ordinal);

        var (read, logLines) = Read(text);

        Assert.Equal(Read(RealStderr).Blocks, read);
        Assert.Equal(5, logLines.Count);
        Assert.All(logLines.Skip(1), line => Assert.Equal(Warning, line));
    }

    [Theory]
    [InlineData("[error] frame=12 is not a progress line")]
    [InlineData("frames=12")]
    [InlineData("stream_0_q=1.0")]
    [InlineData("stream_a_0_q=1.0")]
    [InlineData("=12")]
    [InlineData("frame 12")]
    [InlineData("Frame=12")]
    public void Lines_that_only_look_like_progress_are_log_lines(string line)
    {
        var parser = new FfmpegProgressParser();

        Assert.False(parser.TryAccept(line, _time, out var block));
        Assert.Null(block);
    }

    [Fact]
    public void Every_stream_quality_line_is_progress()
    {
        var parser = new FfmpegProgressParser();

        Assert.True(parser.TryAccept("stream_0_0_q=28.0", _time, out _));
        Assert.True(parser.TryAccept("stream_1_12_q=-1.0", _time, out _));
    }

    [Fact]
    public void The_block_is_stamped_when_its_last_line_arrives()
    {
        var parser = new FfmpegProgressParser();
        parser.TryAccept("frame=1", _time, out _);
        _time.Advance(TimeSpan.FromSeconds(3));

        parser.TryAccept("progress=continue", _time, out var block);

        Assert.Equal(Now.AddSeconds(3), block!.At);
    }

    [Fact]
    public void Lines_within_a_block_allocate_nothing()
    {
        var parser = new FfmpegProgressParser();
        var lines = RealStderr.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('[') && !l.StartsWith("progress=", StringComparison.Ordinal)).ToArray();
        foreach (var line in lines)
        {
            parser.TryAccept(line, _time, out _); // warm up: the first calls compile
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var line in lines)
        {
            parser.TryAccept(line, _time, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Feeds text through the splitter and the parser as the FFmpeg stderr reader does.</summary>
    private (List<FfmpegProgress> Blocks, List<string> LogLines) Read(params string[] chunks)
    {
        var blocks = new List<FfmpegProgress>();
        var logLines = new List<string>();
        var parser = new FfmpegProgressParser();
        var splitter = new OutputLineSplitter(line =>
        {
            if (!parser.TryAccept(line, _time, out var block))
            {
                logLines.Add(line.ToString());
            }
            else if (block is not null)
            {
                blocks.Add(block);
            }
        });
        foreach (var chunk in chunks)
        {
            splitter.Feed(chunk);
        }

        splitter.Flush();
        return (blocks, logLines);
    }

    /// <summary>The text cut into chunks of the given lengths, cycling through them.</summary>
    private static string[] Chunks(string text, int[] lengths)
    {
        var chunks = new List<string>();
        for (int start = 0, i = 0; start < text.Length; i++)
        {
            var length = Math.Min(lengths[i % lengths.Length], text.Length - start);
            chunks.Add(text.Substring(start, length));
            start += length;
        }

        return [.. chunks];
    }
}
