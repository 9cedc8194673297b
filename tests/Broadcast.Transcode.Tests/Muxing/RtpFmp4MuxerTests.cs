using Broadcast.Transcode.Muxing;
using Broadcast.Transcode.Packaging;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Transcode.Tests.Muxing;

/// <summary>The muxer on made-up RTP: runs, durations, damage and refusal, on a fake clock.</summary>
public sealed class RtpFmp4MuxerTests
{
    private const uint VideoSsrc = 0x1111, AudioSsrc = 0x2222;
    private static readonly byte[] Sps = Convert.FromHexString("6742c01fd9005005bb0110000003001000000303c0f1832480");
    private static readonly byte[] Pps = Convert.FromHexString("68cb83cb20");
    private static readonly byte[] Idr = [0x65, 0x88, 0x84, 0x00];
    private static readonly byte[] Slice = [0x41, 0x9a, 0x02, 0x03];
    private static readonly byte[] AacConfig = [0x11, 0x90]; // AAC-LC, 48 kHz, stereo

    private readonly FakeTimeProvider _time = new();
    private readonly Output _output = new();
    private ushort _sequence = 100;
    private ushort _audioSequence = 5000;

    [Fact]
    public void A_picture_is_written_when_the_next_arrives_with_its_exact_duration_after_the_run_s_init()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, null, null), null, _output, _time);

        Video(muxer, 90_000, RtpPackets.StapA(Sps, Pps, Idr));
        Assert.Single(_output.Inits);
        Assert.Empty(_output.Runs);
        Video(muxer, 93_000, Slice);
        Video(muxer, 96_003, Slice);
        muxer.End();

        var init = Assert.Single(_output.Inits);
        Assert.Equal("avc1.42c01f", init.Leading.Codec);
        Assert.Equal((1280, 720), (init.Leading.Width, init.Leading.Height));
        Assert.Equal(
            [new TrackRun(1, 0, 3000, 1, true), new TrackRun(1, 3000, 3003, 1, false), new TrackRun(1, 6003, 3003, 1, false)],
            _output.Runs);
        Assert.Equal(1, _output.EndedRuns);
        // What the packager reads back from the bytes agrees with what the muxer said.
        var read = new TrackRun[2];
        foreach (var (bytes, run) in _output.Fragments.Zip(_output.Runs))
        {
            var moofSize = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
            Assert.Equal(1, Fmp4Fragment.Read(bytes.AsSpan(8, moofSize - 8), init, read));
            Assert.Equal(run, read[0]);
        }
    }

    [Fact]
    public void Pictures_before_the_first_key_frame_are_dropped_and_a_key_frame_is_asked_for()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), null, _output, _time);

        Video(muxer, 0, Slice);
        Video(muxer, 3000, Slice);

        Assert.Empty(_output.Inits);
        Assert.Equal(2, muxer.PicturesDropped);
        Assert.Equal(1, _output.KeyFrameRequests); // at most one a second
    }

    [Fact]
    public void A_lost_packet_drops_pictures_up_to_the_next_key_frame_and_the_timeline_keeps_the_gap()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), null, _output, _time);
        Video(muxer, 0, Idr);
        Video(muxer, 3000, Slice);
        _sequence++; // lost
        Video(muxer, 6000, Slice);
        _time.Advance(TimeSpan.FromMilliseconds(200)); // the hole is given up on at the next packet
        Video(muxer, 9000, Slice);
        Video(muxer, 12000, Idr);
        Video(muxer, 15000, Slice);

        Assert.Equal(2, muxer.PicturesDropped);
        Assert.Equal(1, muxer.PacketsLost);
        Assert.Equal(1, _output.KeyFrameRequests);
        Assert.Equal([new TrackRun(1, 0, 3000, 1, true), new TrackRun(1, 3000, 9000, 1, false), new TrackRun(1, 12000, 3000, 1, true)], _output.Runs);
    }

    [Fact]
    public void Pictures_out_of_presentation_order_are_refused_once_and_nothing_follows()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), null, _output, _time);
        Video(muxer, 0, Idr);
        Video(muxer, 9000, Slice);
        Video(muxer, 3000, Slice); // a B-frame
        Video(muxer, 6000, Slice);

        Assert.True(muxer.Refused);
        Assert.Equal(["pictures arrive out of presentation order (B-frames)"], _output.Refusals);
        Assert.Single(_output.Runs);
    }

    [Fact]
    public void New_parameter_sets_at_a_key_frame_start_a_new_run_with_a_new_init()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), null, _output, _time);
        var smaller = Convert.FromHexString("6742c00dd90141fb0110000003001000000303c0f142a480");
        Video(muxer, 0, Idr);
        Video(muxer, 3000, Slice);
        Video(muxer, 6000, RtpPackets.StapA(smaller, Pps, Idr));
        Video(muxer, 9000, Slice);

        Assert.Equal(2, _output.Inits.Count);
        Assert.Equal(1, _output.EndedRuns);
        Assert.Equal((320, 240), (_output.Inits[1].Leading.Width, _output.Inits[1].Leading.Height));
        // The old run ends with its last picture; the new one starts at zero.
        Assert.Equal([new TrackRun(1, 0, 3000, 1, true), new TrackRun(1, 3000, 3000, 1, false), new TrackRun(1, 0, 3000, 1, true)], _output.Runs);
    }

    [Fact]
    public void Audio_goes_out_between_pictures_on_the_video_s_timeline_by_arrival()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), new MuxAudioTrack(AudioSsrc, 48_000, 2, AacConfig), _output, _time);
        Audio(muxer, 5000, [1]); // before the first picture: nothing to sync it to
        Video(muxer, 0, Idr);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Audio(muxer, 7000, [2], [3]);
        Video(muxer, 3000, Slice);

        Assert.Equal(1, muxer.AudioFramesDropped);
        var init = Assert.Single(_output.Inits);
        Assert.Equal(["avc1.42c01f", "mp4a.40.2"], init.Tracks.Select(t => t.Codec));
        // 20 ms after the first picture = 960 samples at 48 kHz; then the picture it preceded.
        Assert.Equal([new TrackRun(2, 960, 2048, 2, true), new TrackRun(1, 0, 3000, 1, true)], _output.Runs);
    }

    [Fact]
    public void Audio_alone_makes_a_fragment_per_packet_from_zero()
    {
        var muxer = new RtpFmp4Muxer(null, new MuxAudioTrack(AudioSsrc, 48_000, 2, AacConfig), _output, _time);
        Audio(muxer, 1_000_000, [1], [2]);
        Audio(muxer, 1_002_048, [3]);

        Assert.Equal("mp4a.40.2", Assert.Single(_output.Inits).Leading.Codec);
        Assert.Equal([new TrackRun(1, 0, 2048, 2, true), new TrackRun(1, 2048, 1024, 1, true)], _output.Runs);
    }

    [Fact]
    public void Packets_of_other_streams_and_garbage_are_counted_drops()
    {
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), null, _output, _time);

        muxer.OnRtp(RtpPackets.Make(1, 0, 0x9999, Idr, marker: true));
        muxer.OnRtp([0x80, 0x60]);
        muxer.OnRtp(new byte[20]); // version 0

        Assert.Equal(3, muxer.PacketsDropped);
        Assert.Empty(_output.Inits);
    }

    [Fact]
    public void Muxing_allocates_nothing_per_packet()
    {
        var sink = new CountingOutput();
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(VideoSsrc, Sps, Pps), new MuxAudioTrack(AudioSsrc, 48_000, 2, AacConfig), sink, _time);
        var fragments = RtpPackets.FuA([0x41, .. new byte[3000]], 1100);
        var audio = RtpPackets.AacHbr(new byte[300], new byte[300]);
        var packets = new List<byte[]>();
        uint videoTime = 0, audioTime = 0;
        for (var picture = 0; picture < 600; picture++)
        {
            var payloads = picture % 30 == 0 ? [RtpPackets.StapA(Idr)] : fragments;
            for (var i = 0; i < payloads.Count; i++)
            {
                packets.Add(RtpPackets.Make(_sequence++, videoTime, VideoSsrc, payloads[i], marker: i == payloads.Count - 1));
            }

            packets.Add(RtpPackets.Make(_audioSequence++, audioTime, AudioSsrc, audio, marker: true, payloadType: 97));
            videoTime += 3000;
            audioTime += 2048;
        }

        var half = packets.Count / 2;
        for (var i = 0; i < half; i++)
        {
            muxer.OnRtp(packets[i]); // warm-up: buffers grow to their size
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = half; i < packets.Count; i++)
        {
            muxer.OnRtp(packets[i]);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink.Fragments > 500);
    }

    private void Video(RtpFmp4Muxer muxer, uint timestamp, byte[] payload) =>
        muxer.OnRtp(RtpPackets.Make(_sequence++, timestamp, VideoSsrc, payload, marker: true));

    private void Audio(RtpFmp4Muxer muxer, uint timestamp, params byte[][] frames) =>
        muxer.OnRtp(RtpPackets.Make(_audioSequence++, timestamp, AudioSsrc, RtpPackets.AacHbr(frames), marker: true, payloadType: 97));

    private sealed class CountingOutput : IMuxOutput, IFmp4Sink
    {
        public int Fragments { get; private set; }

        public IFmp4Sink BeginRun() => this;

        public void EndRun()
        {
        }

        public void RequestKeyFrame()
        {
        }

        public void Unsupported(string reason)
        {
        }

        public void OnInit(ReadOnlySpan<byte> bytes, Fmp4Init init)
        {
        }

        public void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs) => Fragments++;
    }

    private sealed class Output : IMuxOutput, IFmp4Sink
    {
        public List<Fmp4Init> Inits { get; } = [];
        public List<TrackRun> Runs { get; } = [];
        public List<byte[]> Fragments { get; } = [];
        public List<string> Refusals { get; } = [];
        public int EndedRuns { get; private set; }
        public int KeyFrameRequests { get; private set; }

        public IFmp4Sink BeginRun() => this;

        public void EndRun() => EndedRuns++;

        public void RequestKeyFrame() => KeyFrameRequests++;

        public void Unsupported(string reason) => Refusals.Add(reason);

        public void OnInit(ReadOnlySpan<byte> bytes, Fmp4Init init) => Inits.Add(init);

        public void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs)
        {
            Fragments.Add(bytes.ToArray());
            Runs.AddRange(runs.ToArray());
        }
    }
}
