using Broadcast.Transcode.Tests.Support;

namespace Broadcast.Transcode.Tests;

public class FfmpegOutputSinkTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_flood_of_lines_is_all_counted_and_kept_in_the_tail_but_the_file_gets_the_limit_and_a_summary()
    {
        using var folder = new TempDirectory();
        var time = new SteppingTimeProvider(Start);
        var tail = new OutputTail(5);
        var logPath = folder.Combine("ch.ffmpeg.log");
        using (var sink = new FfmpegOutputSink(logPath, tail, time, linesPerSecond: 4))
        {
            for (var i = 0; i < 1000; i++)
            {
                sink.WriteLine($"error {i}");
            }

            time.Advance(TimeSpan.FromSeconds(1));
            sink.WriteLine("next second");

            Assert.Equal(996, sink.LinesHeldBack);
        }

        Assert.Equal(1001, tail.Count);
        Assert.Equal(["error 996", "error 997", "error 998", "error 999", "next second"], tail.Snapshot());
        var lines = File.ReadAllLines(logPath);
        Assert.Equal(6, lines.Length);
        Assert.Equal(["error 0", "error 1", "error 2", "error 3"], lines[..4]);
        Assert.Equal("=== 2026-12-02T12:00:01.0000000+00:00 996 lines suppressed (more than 4 a second)", lines[4]);
        Assert.Equal("next second", lines[5]);
    }

    [Fact]
    public void Lines_held_back_before_a_run_ends_are_summarised_before_its_marker()
    {
        using var folder = new TempDirectory();
        var time = new SteppingTimeProvider(Start);
        var logPath = folder.Combine("ch.ffmpeg.log");
        using (var sink = new FfmpegOutputSink(logPath, new OutputTail(5), time, linesPerSecond: 1))
        {
            sink.WriteLine("first");
            sink.WriteLine("second");
            sink.WriteLine("third");
            sink.WriteMarker(Start, "pid 1 exited with code 1");
        }

        Assert.Equal(
            ["first", "=== 2026-12-02T12:00:00.0000000+00:00 2 lines suppressed (more than 1 a second)", "=== 2026-12-02T12:00:00.0000000+00:00 pid 1 exited with code 1"],
            File.ReadAllLines(logPath));
    }

    [Fact]
    public void Lines_within_the_limit_are_all_written_without_a_summary()
    {
        using var folder = new TempDirectory();
        var time = new SteppingTimeProvider(Start);
        var logPath = folder.Combine("ch.ffmpeg.log");
        using (var sink = new FfmpegOutputSink(logPath, new OutputTail(5), time, linesPerSecond: 2))
        {
            for (var i = 0; i < 6; i++)
            {
                sink.WriteLine($"line {i}");
                time.Advance(TimeSpan.FromMilliseconds(500));
            }

            Assert.Equal(0, sink.LinesHeldBack);
        }

        Assert.Equal(6, File.ReadAllLines(logPath).Length);
    }
}
