namespace Broadcast.Transcode.Tests;

public class FfmpegHlsArgumentsTests
{
    private const string Input =
        "-hide_banner -nostats -loglevel level+warning -y -progress pipe:2 -stats_period 1 -protocol_whitelist file,udp,rtp -i \"/srv/run/ch1.sdp\"";

    private const string Hls =
        "-f hls -hls_time 2 -hls_list_size 6 -hls_segment_type mpegts -hls_flags independent_segments+append_list " +
        "-hls_segment_filename \"/srv/hls/ch1/seg_%05d.ts\" \"/srv/hls/ch1/index.m3u8\"";

    private const string AacFromOpus = "-c:a aac -b:a 128k -ar 48000";

    private static string Build(params SdpMediaStream[] streams) =>
        FfmpegHlsArguments.Build(new HlsJob("ch1", "/srv/run/ch1.sdp", "/srv/hls/ch1", streams), new HlsOptions { Format = HlsSegmentFormat.MpegTs });

    [Fact]
    public void Renditions_are_more_outputs_of_the_same_FFmpeg_with_key_frames_where_the_source_has_them()
    {
        var options = new HlsOptions
        {
            Renditions = [new HlsRendition { Name = "src", Copy = true }, new HlsRendition { Name = "480p", Height = 480, VideoKbps = 1400 }],
        };

        var arguments = FfmpegHlsArguments.Build(new HlsJob("ch1", "/srv/run/ch1.sdp", "/srv/hls/ch1", [TestStreams.H264(), TestStreams.Opus()]), options);

        const string Fmp4 = "-f mp4 -movflags +empty_moov+default_base_moof+frag_keyframe+skip_trailer+delay_moov -frag_duration 1 -flush_packets 1";
        Assert.Equal(
            $"{Input} -map 0:v:0 -map 0:a:0 -c:v copy {AacFromOpus} {Fmp4} \"pipe:1\" " +
            "-map 0:v:0 -map 0:a:0 -vf scale=-2:480 -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p -b:v 1400k -maxrate 1400k " +
            $"-bufsize 2800k -fps_mode passthrough -enc_time_base -1 -force_key_frames source -g 9999 -sc_threshold 0 {AacFromOpus} {Fmp4} \"/srv/run/ch1.480p.fifo\"",
            arguments);
    }

    [Fact]
    public void Low_latency_channels_write_fragmented_MP4_with_a_fragment_per_packet_to_stdout()
    {
        var arguments = FfmpegHlsArguments.Build(new HlsJob("ch1", "/srv/run/ch1.sdp", "/srv/hls/ch1", [TestStreams.H264(), TestStreams.Opus()]), new HlsOptions());

        Assert.Equal(
            $"{Input} -map 0:v:0 -map 0:a:0 -c:v copy {AacFromOpus} -f mp4 -movflags +empty_moov+default_base_moof+frag_keyframe+skip_trailer+delay_moov " +
            "-frag_duration 1 -flush_packets 1 \"pipe:1\"",
            arguments);
    }

    [Fact]
    public void H264_and_Opus_copy_the_video_and_encode_AAC()
    {
        Assert.Equal(
            $"{Input} -map 0:v:0 -map 0:a:0 -c:v copy {AacFromOpus} {Hls}",
            Build(TestStreams.H264(), TestStreams.Opus()));
    }

    [Fact]
    public void VP8_and_Opus_encode_H264_with_a_key_frame_at_every_segment_boundary()
    {
        Assert.Equal(
            $"{Input} -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p " +
            $"-b:v 2500k -maxrate 2500k -bufsize 5000k -force_key_frames expr:gte(t,n_forced*2) {AacFromOpus} {Hls}",
            Build(TestStreams.Vp8(), TestStreams.Opus()));
    }

    [Fact]
    public void H265_from_a_camera_is_encoded_to_H264_as_VP8_is()
    {
        var h265 = TestStreams.Vp8() with { EncodingName = "H265" };

        Assert.Equal(Build(TestStreams.Vp8(), TestStreams.Aac()), Build(h265, TestStreams.Aac()));
    }

    [Fact]
    public void Video_only_maps_only_the_video()
    {
        Assert.Equal($"{Input} -map 0:v:0 -c:v copy {Hls}", Build(TestStreams.H264()));
    }

    [Fact]
    public void Audio_only_maps_only_the_audio()
    {
        Assert.Equal($"{Input} -map 0:a:0 {AacFromOpus} {Hls}", Build(TestStreams.Opus()));
    }

    [Fact]
    public void AAC_is_copied_and_G711_is_encoded_to_AAC_at_48_kHz()
    {
        Assert.Contains("-map 0:a:0 -c:a copy -f hls", Build(TestStreams.Aac()), StringComparison.Ordinal);
        Assert.Contains($"-map 0:a:0 {AacFromOpus} -f hls", Build(TestStreams.Pcmu()), StringComparison.Ordinal);
        Assert.Contains($"-map 0:a:0 {AacFromOpus} -f hls", Build(TestStreams.Pcma()), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_flow_into_the_arguments()
    {
        var options = new HlsOptions
        {
            SegmentSeconds = 1.5, PlaylistSize = 10, AudioBitrateKbps = 96, VideoBitrateKbps = 1200, X264Preset = "ultrafast", Format = HlsSegmentFormat.MpegTs,
        };

        var arguments = FfmpegHlsArguments.Build(
            new HlsJob("ch1", "/srv/run/ch1.sdp", "/srv/hls/ch1", [TestStreams.Vp8(), TestStreams.Opus()]), options);

        Assert.Contains(
            "-preset ultrafast -tune zerolatency -pix_fmt yuv420p -b:v 1200k -maxrate 1200k -bufsize 2400k " +
            "-force_key_frames expr:gte(t,n_forced*1.5) -c:a aac -b:a 96k",
            arguments,
            StringComparison.Ordinal);
        Assert.Contains("-hls_time 1.5 -hls_list_size 10 ", arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void A_codec_HLS_cannot_carry_is_rejected()
    {
        var vp9 = TestStreams.Vp8() with { EncodingName = "VP9" };
        var g722 = TestStreams.Pcmu() with { EncodingName = "G722" };

        Assert.Throws<ArgumentException>(() => Build(vp9));
        Assert.Throws<ArgumentException>(() => Build(g722));
    }

    [Fact]
    public void A_path_with_a_double_quote_is_rejected()
    {
        var job = new HlsJob("ch1", "/srv/run/\"ch1.sdp", "/srv/hls/ch1", [TestStreams.H264()]);

        Assert.Throws<ArgumentException>(() => FfmpegHlsArguments.Build(job, new HlsOptions()));
    }
}
