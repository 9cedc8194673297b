using System.Diagnostics;
using System.Text.RegularExpressions;
using Broadcast.Transcode.Tests.Support;
using FFMpegCore;
using Xunit.Abstractions;

namespace Broadcast.Transcode.Tests;

/// <summary>The supervisor with real FFmpeg processes on loopback: one receiving (supervised), one sending RTP.</summary>
[Collection(RealFfmpegCollection.Name)]
public sealed partial class FfmpegSupervisorLoopbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task H264_and_Opus_over_RTP_become_two_second_HLS_segments_with_H264_and_AAC()
    {
        await using var fixture = new SupervisorFixture(output);
        fixture.Supervisor.MediaFlowing = () => true;

        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);
        using var sender = fixture.StartSender();
        await fixture.WaitForAsync(() => fixture.Supervisor.PlaylistStatus().SegmentCount >= 3);

        Assert.True(fixture.PortsTakenWhenListening, "Listening came before FFmpeg had bound all its ports");
        Assert.Equal(FfmpegState.Running, fixture.Supervisor.State);
        Assert.Equal(0, fixture.Supervisor.Restarts);
        Assert.True(fixture.Supervisor.PlaylistStatus().HasFirstSegment);
        var segment = Path.Combine(fixture.Job.OutputDirectory, fixture.ListedSegments()[1]);
        Assert.Matches(SegmentName(), Path.GetFileName(segment));
        var analysis = await FFProbe.AnalyseAsync(segment);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        // Copied video is cut at the sender's key frames (1 s apart) when the running total passes 2 s per segment:
        // 2 s, or 1 s and 3 s around a key frame a loaded machine delayed at the start.
        output.WriteLine($"second segment: {analysis.Duration.TotalSeconds:F2} s");
        Assert.InRange(analysis.Duration.TotalSeconds, 0.9, 3.3);
        Assert.True(File.Exists(fixture.Job.SdpPath));

        await fixture.Supervisor.StopAsync(); // before the sender, so FFmpeg quits on 'q'
        Assert.True(new FileInfo(fixture.Supervisor.LogPath).Length > 0);
        Assert.DoesNotContain(3006, fixture.Logger.EventIds);
    }

    [Fact]
    public async Task FFmpeg_reports_progress_and_resource_use_and_its_progress_stays_out_of_the_log()
    {
        // Every line kept, so that a count above what is kept would be lines that were counted but not kept.
        await using var fixture = new SupervisorFixture(output, o => o.StderrLinesKept = 10_000);
        fixture.Supervisor.MediaFlowing = () => true;
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);
        Assert.Null(fixture.Supervisor.Progress); // no media yet: FFmpeg waits in its input and reports nothing
        using var sender = fixture.StartSender();

        // FFmpeg's fps is frames over its whole run, so it is positive once it has run a second and written a frame.
        await fixture.WaitForAsync(() => fixture.Supervisor.Progress is { Fps: > 0, Speed: > 0 });
        var progress = fixture.Supervisor.Progress!;
        output.WriteLine(progress.ToString());
        Assert.InRange(progress.Frames!.Value, 1, long.MaxValue);
        Assert.InRange(progress.OutTimeSeconds!.Value, 0.001, double.MaxValue);
        Assert.Equal(0, progress.DroppedFrames);

        FfmpegResourceUse? usage = null;
        await fixture.WaitForAsync(() => (usage = fixture.Supervisor.ReadResourceUse()) is { CpuPercent: not null, RssBytes: > 0 });
        output.WriteLine(usage.ToString());
        Assert.InRange(usage!.Value.CpuPercent!.Value, 0, Environment.ProcessorCount * 100.0);
        Assert.InRange(usage.Value.RssBytes!.Value, 4 * 1024 * 1024, 2L * 1024 * 1024 * 1024);

        var count = fixture.Supervisor.StderrLineCount;
        var lines = fixture.Supervisor.LastStderrLines;
        output.WriteLine($"{count} stderr lines:\n{string.Join('\n', lines)}");
        Assert.DoesNotContain(lines, l => ProgressLine().IsMatch(l));
        Assert.True(count <= lines.Count, $"{count} lines counted, {lines.Count} kept");

        await fixture.Supervisor.StopAsync();
        Assert.Null(fixture.Supervisor.Progress);
        Assert.Null(fixture.Supervisor.ReadResourceUse());
        Assert.DoesNotContain(File.ReadAllLines(fixture.Supervisor.LogPath), l => ProgressLine().IsMatch(l));
    }

    [Fact]
    public async Task A_killed_FFmpeg_is_restarted_and_the_playlist_continues_after_a_discontinuity()
    {
        await using var fixture = new SupervisorFixture(output);
        fixture.Supervisor.MediaFlowing = () => true;
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);
        using var sender = fixture.StartSender();
        await fixture.WaitForAsync(() => fixture.Supervisor.PlaylistStatus().SegmentCount >= 2);

        var before = fixture.ListedSegments();
        var firstProcessId = fixture.Supervisor.ProcessId!.Value;
        using (var ffmpeg = Process.GetProcessById(firstProcessId))
        {
            ffmpeg.Kill(); // SIGKILL: no trailer, no EXT-X-ENDLIST
        }

        await fixture.WaitForAsync(() => fixture.Supervisor.Restarts == 1 && fixture.ListeningCalls == 2);
        await fixture.WaitForAsync(() => SegmentsAfterDiscontinuity(fixture.Job.PlaylistPath, before[^1]).Count >= 1);

        Assert.Equal(1, fixture.Supervisor.Restarts);
        Assert.Equal(137, fixture.Supervisor.LastExitCode); // 128 + SIGKILL
        Assert.NotNull(fixture.Supervisor.LastExitAt);
        Assert.NotEqual(firstProcessId, fixture.Supervisor.ProcessId);
        Assert.All(before, s => Assert.True(File.Exists(Path.Combine(fixture.Job.OutputDirectory, s)), $"{s} was lost"));
        var newest = SegmentsAfterDiscontinuity(fixture.Job.PlaylistPath, before[^1])[0];
        Assert.True(SegmentNumber(newest) > SegmentNumber(before[^1]), $"{newest} does not follow {before[^1]}");

        // Stop FFmpeg before its source: without packets it would ignore 'q' until the stop timeout.
        await fixture.Supervisor.StopAsync();
        output.WriteLine(File.ReadAllText(fixture.Job.PlaylistPath));
        Assert.DoesNotContain(3006, fixture.Logger.EventIds);
    }

    [Fact]
    public async Task Stopping_while_packets_flow_ends_the_playlist_frees_the_ports_and_deletes_the_SDP_file()
    {
        await using var fixture = new SupervisorFixture(output);
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);
        using var sender = fixture.StartSender();
        await fixture.WaitForAsync(() => fixture.Supervisor.PlaylistStatus().SegmentCount >= 1);
        var processId = fixture.Supervisor.ProcessId!.Value;

        var clock = Stopwatch.StartNew();
        await fixture.Supervisor.StopAsync();
        clock.Stop();

        // That FFmpeg quit on 'q' rather than being killed at the stop timeout is the absence of event 3006 below.
        output.WriteLine($"StopAsync took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(FfmpegState.Stopped, fixture.Supervisor.State);
        Assert.Null(fixture.Supervisor.ProcessId);
        Assert.False(Directory.Exists($"/proc/{processId}"), "FFmpeg is still there");
        Assert.False(File.Exists(fixture.Job.SdpPath));
        Assert.All(fixture.Ports, p => Assert.True(LoopbackPorts.IsFree(p), $"port {p} is still bound"));
        Assert.True(HlsPlaylist.HasEndList(File.ReadAllText(fixture.Job.PlaylistPath)));
        Assert.DoesNotContain(3006, fixture.Logger.EventIds); // quit on 'q', not killed
        await fixture.Supervisor.StopAsync(); // idempotent
    }

    [Fact]
    public async Task Stopping_without_media_kills_FFmpeg_after_the_stop_timeout()
    {
        await using var fixture = new SupervisorFixture(output, o => o.StopTimeout = TimeSpan.FromSeconds(1));
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);
        var processId = fixture.Supervisor.ProcessId!.Value;

        var clock = Stopwatch.StartNew();
        await fixture.Supervisor.StopAsync();

        // Not before the timeout (a loaded machine only makes it later); well before twice the timeout.
        output.WriteLine($"StopAsync took {clock.ElapsedMilliseconds} ms");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 3.5);
        Assert.Contains(3006, fixture.Logger.EventIds);
        Assert.False(Directory.Exists($"/proc/{processId}"), "FFmpeg is still there");
        Assert.All(fixture.Ports, p => Assert.True(LoopbackPorts.IsFree(p), $"port {p} is still bound"));
        Assert.False(File.Exists(fixture.Job.SdpPath));
    }

    [Fact]
    public async Task Stopping_without_media_kills_FFmpeg_after_a_second_instead_of_the_whole_stop_timeout()
    {
        // 'q' is read between packets only: without media FFmpeg never sees it, so waiting out the timeout gains nothing.
        await using var fixture = new SupervisorFixture(output, o => o.StopTimeout = TimeSpan.FromSeconds(10));
        fixture.Supervisor.MediaFlowing = () => false;
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        await fixture.WaitForAsync(() => fixture.ListeningCalls == 1);

        var clock = Stopwatch.StartNew();
        await fixture.Supervisor.StopAsync();

        // The one-second grace, not the ten-second timeout.
        output.WriteLine($"StopAsync took {clock.ElapsedMilliseconds} ms");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5.0);
        Assert.Contains(3006, fixture.Logger.EventIds);
    }

    [Fact]
    public async Task No_new_segment_while_media_is_said_to_flow_counts_as_a_failure_and_restarts_FFmpeg()
    {
        await using var fixture = new SupervisorFixture(output, o =>
        {
            o.SegmentSeconds = 1;
            o.StallSegments = 2;
            o.StopTimeout = TimeSpan.FromSeconds(1);
        });
        fixture.Supervisor.MediaFlowing = () => true; // but nothing is sent
        await fixture.Supervisor.StartAsync(CancellationToken.None);
        var firstProcessId = fixture.Supervisor.ProcessId!.Value;

        await fixture.WaitForAsync(() => fixture.Supervisor.Restarts == 1);

        Assert.Contains(3004, fixture.Logger.EventIds);
        Assert.Equal(137, fixture.Supervisor.LastExitCode);
        Assert.False(Directory.Exists($"/proc/{firstProcessId}"), "the stalled FFmpeg is still there");
    }

    private static List<string> SegmentsAfterDiscontinuity(string playlistPath, string lastSegmentBefore)
    {
        var lines = File.ReadAllLines(playlistPath);
        var start = Array.IndexOf(lines, lastSegmentBefore);
        var discontinuity = Array.IndexOf(lines, HlsPlaylist.DiscontinuityTag, start + 1);
        return start < 0 || discontinuity < 0
            ? []
            : [.. lines.Skip(discontinuity + 1).Where(l => l.Length > 0 && l[0] != '#')];
    }

    private static int SegmentNumber(string segment) =>
        int.Parse(SegmentName().Match(segment).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^seg_(\d{5})\.ts$")]
    private static partial Regex SegmentName();

    [GeneratedRegex(@"^(frame|fps|stream_\d+_\d+_q|bitrate|total_size|out_time(_us|_ms)?|dup_frames|drop_frames|speed|progress)=")]
    private static partial Regex ProgressLine();
}
