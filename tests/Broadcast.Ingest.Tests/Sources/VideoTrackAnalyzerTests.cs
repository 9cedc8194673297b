using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Sources;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Sources;

public class VideoTrackAnalyzerTests
{
    private static readonly byte[] Sps = Convert.FromBase64String(FakeRtspCamera.Sps);

    private static void Feed(VideoTrackAnalyzer analyzer, uint timestamp, byte[] payload)
    {
        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80;
        packet[1] = 96;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        payload.CopyTo(packet, 12);
        Assert.True(RtpHeader.TryParse(packet, out var header));
        analyzer.OnPacket(in header, header.Payload(packet));
    }

    [Fact]
    public void Thirty_frames_a_second_with_a_key_frame_every_two_seconds_and_no_b_frames()
    {
        var analyzer = new VideoTrackAnalyzer(h265: false, clockRate: 90000);
        for (var frame = 0; frame <= 150; frame++)
        {
            var timestamp = (uint)(frame * 3000) + 4_000_000_000; // wraps past 2^32
            if (frame % 60 == 0)
            {
                Feed(analyzer, timestamp, Sps);
                Feed(analyzer, timestamp, Hex.Bytes("65 88 84 00 33 ff"));
            }
            else
            {
                Feed(analyzer, timestamp, Hex.Bytes("41 9a 02 04"));
            }
        }

        Assert.Equal(30, analyzer.FrameRate);
        Assert.Equal(2.0, analyzer.KeyFrameIntervalSeconds);
        Assert.Equal(3, analyzer.KeyFrames);
        Assert.Equal(151, analyzer.Frames);
        Assert.False(analyzer.BFrames);
        Assert.Equal((640, 360), (analyzer.Width, analyzer.Height));
    }

    [Fact]
    public void Requested_key_frames_between_the_cameras_own_do_not_shorten_the_reported_interval()
    {
        var analyzer = new VideoTrackAnalyzer(h265: false, clockRate: 90000);
        var idr = Hex.Bytes("65 88 84 00 33 ff");

        // The camera's GOP is 1 s; requested key frames land 0.44 s after two of its own.
        foreach (var seconds in new[] { 0.0, 1.0, 2.0, 2.44, 3.44, 4.44, 4.88 })
        {
            Feed(analyzer, (uint)(seconds * 90000), idr);
        }

        Assert.Equal(1.0, analyzer.KeyFrameIntervalSeconds);
    }

    [Fact]
    public void A_longer_cadence_is_reported_as_soon_as_it_shows_and_forgotten_after_eight_intervals()
    {
        var analyzer = new VideoTrackAnalyzer(h265: false, clockRate: 90000);
        var idr = Hex.Bytes("65 88 84 00 33 ff");
        Feed(analyzer, 0, idr);
        Feed(analyzer, 4 * 90000, idr);
        Assert.Equal(4.0, analyzer.KeyFrameIntervalSeconds);

        for (var second = 5; second <= 12; second++)
        {
            Feed(analyzer, (uint)(second * 90000), idr);
        }

        Assert.Equal(1.0, analyzer.KeyFrameIntervalSeconds);
    }

    [Fact]
    public void A_b_slice_marks_the_stream_as_having_b_frames()
    {
        var analyzer = new VideoTrackAnalyzer(h265: false, clockRate: 90000);

        Feed(analyzer, 0, Hex.Bytes("65 88 84 00 33 ff"));
        Feed(analyzer, 3000, Hex.Bytes("7c 81 a0 00"));

        Assert.True(analyzer.BFrames);
    }

    [Fact]
    public void H265_key_frames_are_counted_and_b_frames_are_unknown()
    {
        var analyzer = new VideoTrackAnalyzer(h265: true, clockRate: 90000);

        Feed(analyzer, 0, Hex.Bytes("26 01 af 08 40"));
        Feed(analyzer, 90000, Hex.Bytes("62 01 93 af 08"));

        Assert.Equal(2, analyzer.KeyFrames);
        Assert.Equal(1.0, analyzer.KeyFrameIntervalSeconds);
        Assert.Null(analyzer.BFrames);
    }

    [Fact]
    public void A_timestamp_jump_restarts_the_frame_rate_window_instead_of_reporting_nonsense()
    {
        var analyzer = new VideoTrackAnalyzer(h265: false, clockRate: 90000);
        for (var frame = 0; frame < 10; frame++)
        {
            Feed(analyzer, (uint)(frame * 3600), Hex.Bytes("41 9a 02 04"));
        }

        Feed(analyzer, 2_000_000_000, Hex.Bytes("41 9a 02 04"));

        Assert.Null(analyzer.FrameRate);
    }
}
