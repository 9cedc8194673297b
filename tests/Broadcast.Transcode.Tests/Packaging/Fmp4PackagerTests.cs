using Broadcast.Transcode.Packaging;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Transcode.Tests.Packaging;

/// <summary>The box reader and the packager on fragmented MP4 that FFmpeg 5.1 wrote (fixtures), cut as our pipeline asks.</summary>
public sealed class Fmp4PackagerTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Packaging", "Fixtures", name));

    [Fact]
    public void The_init_segment_names_both_tracks_with_their_codecs_and_the_video_size()
    {
        var sink = new RecordingSink();
        new Fmp4Splitter().Feed(Fixture("av-30fps-gop1s.mp4"), sink);

        var init = Assert.Single(sink.Inits);
        Assert.Equal(2, init.Tracks.Count);
        var video = init.Leading;
        Assert.True(video.IsVideo);
        Assert.StartsWith("avc1.42", video.Codec, StringComparison.Ordinal);
        Assert.Equal((320, 180), (video.Width, video.Height));
        var audio = init.Tracks.Single(t => !t.IsVideo);
        Assert.Equal("mp4a.40.2", audio.Codec);
        Assert.Equal(48_000u, audio.Timescale);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(65536)]
    public void Fragments_come_out_the_same_whatever_the_read_sizes(int readSize)
    {
        var bytes = Fixture("av-30fps-gop1s.mp4");
        var whole = new RecordingSink();
        new Fmp4Splitter().Feed(bytes, whole);
        var pieces = new RecordingSink();
        var splitter = new Fmp4Splitter();
        for (var at = 0; at < bytes.Length; at += readSize)
        {
            splitter.Feed(bytes.AsSpan(at, Math.Min(readSize, bytes.Length - at)), pieces);
        }

        Assert.True(whole.Fragments.Count > 100);
        Assert.Equal(whole.Fragments.Count, pieces.Fragments.Count);
        Assert.Equal(whole.Fragments.Sum(f => f.Length), pieces.Fragments.Sum(f => f.Length));
        Assert.Equal(whole.Runs, pieces.Runs);
        // Every byte after the init is in exactly one fragment.
        Assert.Equal(bytes.Length - whole.InitBytes, whole.Fragments.Sum(f => f.Length));
    }

    [Fact]
    public void The_video_key_frames_are_one_second_apart_and_audio_runs_alongside()
    {
        var sink = new RecordingSink();
        new Fmp4Splitter().Feed(Fixture("av-30fps-gop1s.mp4"), sink);
        var video = sink.Runs.Where(r => r.TrackId == sink.Inits[0].Leading.TrackId).ToList();
        var keys = video.Where(r => r.StartsWithSync).Select(r => (double)r.BaseTime / sink.Inits[0].Leading.Timescale).ToList();

        Assert.Equal([0.0, 1.0, 2.0, 3.0], keys.Select(k => Math.Round(k, 2)));
        Assert.Equal(120, video.Sum(r => r.SampleCount));
        Assert.Contains(sink.Runs, r => r.TrackId != sink.Inits[0].Leading.TrackId);
    }

    [Theory]
    [InlineData(0.25, 1.0)]
    [InlineData(0.2, 1.0)]
    [InlineData(0.5, 2.0)]
    [InlineData(0.33334, 1.0)]
    public void Parts_keep_the_spec_rules_and_segments_start_at_key_frames(double partTarget, double segmentTarget)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var playlist = new LiveMediaPlaylist("index", "t", segmentTarget, partTarget, 10, time);
        var packager = new Fmp4Packager(playlist, time);
        packager.BeginRun(1);
        new Fmp4Splitter().Feed(Fixture("av-30fps-gop1s.mp4"), packager);
        packager.EndRun();

        var view = playlist.View();
        Assert.Equal((int)(4 / segmentTarget), view.Segments.Count);
        foreach (var segment in view.Segments)
        {
            Assert.NotNull(segment.Uri);
            Assert.True(segment.Parts[0].Independent);
            Assert.Equal(segmentTarget, segment.Duration, 3);
            for (var i = 0; i < segment.Parts.Count; i++)
            {
                var part = segment.Parts[i];
                Assert.True(part.Duration <= partTarget + 1e-9, $"part {i} of {segment.Msn} lasts {part.Duration} s");
                if (i < segment.Parts.Count - 1 && !part.Independent)
                {
                    Assert.True(part.Duration >= 0.85 * partTarget, $"part {i} of {segment.Msn} lasts {part.Duration} s");
                }
            }

            // A segment is exactly its parts: the bytes served for it are the parts' bytes, in order.
            var whole = playlist.Find(segment.Uri!)!.Value.ToArray();
            var joined = segment.Parts.SelectMany(p => playlist.Find(p.Uri)!.Value.ToArray()).ToArray();
            Assert.Equal(whole, joined);
        }

        Assert.Equal(time.GetUtcNow().AddSeconds(segmentTarget), view.Segments[1].ProgramDateTime);
    }

    [Fact]
    public void An_audio_only_stream_is_cut_by_its_audio()
    {
        var time = new FakeTimeProvider();
        var playlist = new LiveMediaPlaylist("index", "t", 0.5, 0.2, 10, time);
        var packager = new Fmp4Packager(playlist, time);
        packager.BeginRun(1);
        new Fmp4Splitter().Feed(Fixture("audio-only.mp4"), packager);
        packager.EndRun();

        var view = playlist.View();
        Assert.InRange(view.Segments.Count, 3, 5);
        Assert.All(view.Segments.SelectMany(s => s.Parts), p => Assert.True(p.Duration <= 0.2 + 1e-9));
        Assert.Equal(2.0, view.Segments.Sum(s => s.Duration), 1);
    }

    [Fact]
    public void Fragments_before_the_first_key_frame_are_dropped()
    {
        var sink = new RecordingSink();
        var bytes = Fixture("av-30fps-gop1s.mp4");
        new Fmp4Splitter().Feed(bytes, sink);
        // The stream from its 5th fragment on: the init, then fragments that start mid-GOP.
        var cut = sink.InitBytes + sink.Fragments.Take(5).Sum(f => f.Length);
        var joined = bytes.AsSpan(0, sink.InitBytes).ToArray().Concat(bytes.AsSpan(cut).ToArray()).ToArray();
        var time = new FakeTimeProvider();
        var playlist = new LiveMediaPlaylist("index", "t", 1, 0.25, 10, time);
        var packager = new Fmp4Packager(playlist, time);
        packager.BeginRun(1);
        new Fmp4Splitter().Feed(joined, packager);
        packager.EndRun();

        Assert.True(packager.DroppedBeforeKeyFrame > 0);
        Assert.True(playlist.View().Segments[0].Parts[0].Independent);
        Assert.Equal(3, playlist.View().Segments.Count);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 4, (byte)'f', (byte)'t', (byte)'y', (byte)'p' })]
    [InlineData(new byte[] { 0, 0, 0, 16, (byte)'m', (byte)'o', (byte)'o', (byte)'f', 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 8, (byte)'j', (byte)'u', (byte)'n', (byte)'k' })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, (byte)'m', (byte)'d', (byte)'a', (byte)'t' })]
    public void Malformed_streams_are_refused_with_a_clear_error(byte[] bytes)
    {
        Assert.Throws<Fmp4FormatException>(() => new Fmp4Splitter().Feed(bytes, new RecordingSink()));
    }

    [Fact]
    public void A_truncated_moov_is_refused()
    {
        var bytes = Fixture("av-30fps-gop1s.mp4");
        var sink = new RecordingSink();
        new Fmp4Splitter().Feed(bytes, sink);
        var moov = bytes.AsSpan(28, sink.InitBytes - 28).ToArray();
        // Shrink the trak's declared size so its children no longer fit.
        Assert.Throws<Fmp4FormatException>(() => Fmp4Init.Parse(moov.AsSpan(8, 200)));
    }

    private sealed class RecordingSink : IFmp4Sink
    {
        public List<Fmp4Init> Inits { get; } = [];
        public int InitBytes { get; private set; }
        public List<byte[]> Fragments { get; } = [];
        public List<TrackRun> Runs { get; } = [];

        public void OnInit(ReadOnlySpan<byte> bytes, Fmp4Init init)
        {
            Inits.Add(init);
            InitBytes += bytes.Length;
        }

        public void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs)
        {
            Fragments.Add(bytes.ToArray());
            Runs.AddRange(runs.ToArray());
        }
    }
}

internal static class SplitterFeeding
{
    /// <summary>Writes <paramref name="bytes"/> through the splitter's own buffer, as the pipe reader does.</summary>
    public static void Feed(this Fmp4Splitter splitter, ReadOnlySpan<byte> bytes, IFmp4Sink sink)
    {
        while (bytes.Length > 0)
        {
            var buffer = splitter.GetBuffer().Span;
            var count = Math.Min(buffer.Length, bytes.Length);
            bytes[..count].CopyTo(buffer);
            splitter.Advance(count, sink);
            bytes = bytes[count..];
        }
    }
}
