using System.Globalization;
using FFMpegCore;
using FFMpegCore.Enums;

namespace Broadcast.Transcode;

/// <summary>
/// The one place FFmpeg's RTP → HLS command line is built, from typed options, with FFMpegCore's argument
/// builder. Golden tests pin the exact strings.
/// </summary>
public static class FfmpegHlsArguments
{
    /// <summary>Returns FFmpeg's arguments (without the executable) for <paramref name="job"/>.</summary>
    /// <exception cref="ArgumentException">A codec cannot go into MPEG-TS HLS, or a path cannot be quoted.</exception>
    public static string Build(HlsJob job, HlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        FfmpegSdp.Validate(job.Streams);
        var video = job.Streams.FirstOrDefault(s => s.Kind == MediaKind.Video);
        var audio = job.Streams.FirstOrDefault(s => s.Kind == MediaKind.Audio);
        var renditions = Renditions(job, options, video);

        var arguments = FFMpegArguments
            .FromFileInput(RequireQuotable(job.SdpPath), verifyExists: false, input => input
                // stderr is a log we keep (level-tagged), not a progress display; never prompt, because stdin
                // is reserved for the 'q' that stops FFmpeg cleanly.
                .WithCustomArgument("-hide_banner -nostats -loglevel level+warning -y")
                // Progress as key=value blocks once a second, on stderr because stdout may carry the media; the
                // reader takes them out of the log (FfmpegProgressParser).
                .WithCustomArgument("-progress pipe:2 -stats_period 1")
                // An SDP input opens rtp and udp inputs, which FFmpeg refuses unless they are whitelisted.
                .WithCustomArgument("-protocol_whitelist file,udp,rtp"))
            .OutputToFile(options.Format == HlsSegmentFormat.Fmp4 ? "pipe:1" : RequireQuotable(job.PlaylistPath), overwrite: false, output =>
            {
                // Map only what the SDP has, by kind, so audio-only and video-only channels work.
                if (video is not null)
                {
                    output.WithMap(0, StreamType.Video, 0);
                }

                if (audio is not null)
                {
                    output.WithMap(0, StreamType.Audio, 0);
                }

                if (video is not null && renditions.Count > 0)
                {
                    AddRendition(output, video, renditions[0], options);
                }
                else if (video is not null)
                {
                    AddVideo(output, video, options);
                }

                if (audio is not null)
                {
                    AddAudio(output, audio, options);
                }

                if (options.Format == HlsSegmentFormat.Fmp4)
                {
                    AddFragmentedMp4(output);
                }
                else
                {
                    AddHls(output, job, options);
                }
            })
            .Arguments;

        // The other renditions: more outputs of the same FFmpeg, each its own fragmented MP4 into its pipe (a FIFO).
        foreach (var rendition in renditions.Skip(1))
        {
            arguments += string.Join(' ', "",
                "-map 0:v:0", audio is null ? "" : "-map 0:a:0",
                RenditionVideo(video!, rendition, options),
                audio is null ? "" : AudioText(audio, options),
                FragmentedMp4Text,
                $"\"{RequireQuotable(job.RenditionPipePath(rendition.Name))}\"").Replace("  ", " ", StringComparison.Ordinal);
        }

        return arguments;
    }

    private static void AddVideo(FFMpegOutputOptions output, SdpMediaStream video, HlsOptions options)
    {
        switch (video.EncodingName.ToUpperInvariant())
        {
            case "H264":
                // H.264 goes into MPEG-TS or fMP4 as is: no decode, no quality loss, ~4 % of a core.
                output.CopyStreams(StreamType.Video);
                break;
            case "VP8" or "H265":
                // VP8 cannot be carried in MPEG-TS HLS; H.265 could go into fMP4 HLS, but only Safari and browsers
                // with a hardware HEVC decoder would play it. Encode H.264 for low latency in 4:2:0, which every
                // player decodes, with a capped bitrate (VBV buffer of two seconds).
                output.WithVideoCodec(VideoCodec.LibX264)
                    .WithCustomArgument($"-preset {options.X264Preset}")
                    .WithTune(EncoderTune.ZeroLatency)
                    .WithCustomArgument("-pix_fmt yuv420p")
                    .WithVideoBitrate(options.VideoBitrateKbps)
                    .WithMaxBitrate(options.VideoBitrateKbps)
                    .WithBufferSize(options.VideoBitrateKbps * 2)
                    // A key frame at every segment boundary keeps segments aligned and independently decodable.
                    .WithCustomArgument($"-force_key_frames expr:gte(t,n_forced*{Seconds(options.SegmentSeconds)})");
                break;
            default:
                throw new ArgumentException($"Video encoding '{video.EncodingName}' is not supported for HLS.", nameof(video));
        }
    }

    /// <summary>The renditions FFmpeg makes, in output order (the first on stdout); empty without a ladder or video.</summary>
    private static IReadOnlyList<HlsRendition> Renditions(HlsJob job, HlsOptions options, SdpMediaStream? video) =>
        options.Format == HlsSegmentFormat.Fmp4 && video is not null && options.Renditions.Count > 0 ? [.. options.Renditions] : [];

    private static void AddRendition(FFMpegOutputOptions output, SdpMediaStream video, HlsRendition rendition, HlsOptions options) =>
        output.WithCustomArgument(RenditionVideo(video, rendition, options));

    // One rung's video: the source copied (H.264), or H.264 at the rung's height and bitrate. Key frames sit where the
    // source has them when it is H.264 (so every rung cuts its segments at the same instants), else every segment.
    private static string RenditionVideo(SdpMediaStream video, HlsRendition rendition, HlsOptions options)
    {
        var h264 = video.EncodingName.Equals("H264", StringComparison.OrdinalIgnoreCase);
        if (!h264 && video.EncodingName.ToUpperInvariant() is not ("VP8" or "H265"))
        {
            throw new ArgumentException($"Video encoding '{video.EncodingName}' is not supported for HLS.", nameof(video));
        }

        if (rendition.Copy && h264)
        {
            return "-c:v copy";
        }

        var kbps = rendition.Copy ? options.VideoBitrateKbps : rendition.VideoKbps;
        var scale = rendition.Copy ? "" : string.Create(CultureInfo.InvariantCulture, $"-vf scale=-2:{rendition.Height} ");
        // Frames keep the source's timestamps (passthrough, the input's time base), so every rung's segments start at
        // the very instants the copied one's do; x264 adds no key frame of its own.
        var keyFrames = h264 ? "-fps_mode passthrough -enc_time_base -1 -force_key_frames source -g 9999 -sc_threshold 0"
            : $"-force_key_frames expr:gte(t,n_forced*{Seconds(options.SegmentSeconds)})";
        return string.Create(CultureInfo.InvariantCulture,
            $"{scale}-c:v libx264 -preset {options.X264Preset} -tune zerolatency -pix_fmt yuv420p -b:v {kbps}k -maxrate {kbps}k -bufsize {kbps * 2}k {keyFrames}");
    }

    // The audio of an extra output, as AddAudio writes it for the first.
    private static string AudioText(SdpMediaStream audio, HlsOptions options) => audio.EncodingName.ToUpperInvariant() switch
    {
        "MPEG4-GENERIC" => "-c:a copy",
        "OPUS" or "PCMU" or "PCMA" => string.Create(CultureInfo.InvariantCulture, $"-c:a aac -b:a {options.AudioBitrateKbps}k -ar 48000"),
        _ => throw new ArgumentException($"Audio encoding '{audio.EncodingName}' is not supported for HLS.", nameof(audio)),
    };

    private const string FragmentedMp4Text =
        "-f mp4 -movflags +empty_moov+default_base_moof+frag_keyframe+skip_trailer+delay_moov -frag_duration 1 -flush_packets 1";

    private static void AddAudio(FFMpegOutputOptions output, SdpMediaStream audio, HlsOptions options)
    {
        switch (audio.EncodingName.ToUpperInvariant())
        {
            case "MPEG4-GENERIC":
                // AAC goes into MPEG-TS as is.
                output.CopyStreams(StreamType.Audio);
                break;
            case "OPUS" or "PCMU" or "PCMA":
                // HLS players expect AAC in MPEG-TS; 48 kHz also lifts 8 kHz G.711 to a rate every player takes.
                output.WithAudioCodec(AudioCodec.Aac)
                    .WithAudioBitrate(options.AudioBitrateKbps)
                    .WithAudioSamplingRate(48_000);
                break;
            default:
                throw new ArgumentException($"Audio encoding '{audio.EncodingName}' is not supported for HLS.", nameof(audio));
        }
    }

    private static void AddFragmentedMp4(FFMpegOutputOptions output) =>
        output
            // Fragmented MP4 on stdout for our packager: ftyp+moov first (empty_moov; delay_moov waits for the first
            // key frame's parameter sets, which WebRTC publishers send only in band), then one self-contained moof+mdat
            // per packet (default_base_moof; frag_duration of 1 µs), flushed at once, so the packager decides where
            // parts and segments end and nothing waits inside FFmpeg. Key frames start fragments (frag_keyframe).
            .WithCustomArgument(FragmentedMp4Text);

    private static void AddHls(FFMpegOutputOptions output, HlsJob job, HlsOptions options)
    {
        var segmentPath = RequireQuotable(Path.Combine(job.OutputDirectory, HlsJob.SegmentFileTemplate));
        output
            // A live sliding-window playlist (no hls_playlist_type: 'event' would grow forever, 'vod' waits for
            // the end) of MPEG-TS segments cut at the first key frame after each hls_time.
            .WithCustomArgument("-f hls")
            .WithCustomArgument($"-hls_time {Seconds(options.SegmentSeconds)}")
            .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-hls_list_size {options.PlaylistSize}"))
            .WithCustomArgument("-hls_segment_type mpegts")
            // append_list: a restarted FFmpeg reads the old playlist, numbers on from its last segment and puts
            // EXT-X-DISCONTINUITY before its first one, so nothing written before is lost or overwritten.
            // Segments are never deleted here: retention is our own policy, not FFmpeg's delete_segments.
            .WithCustomArgument("-hls_flags independent_segments+append_list")
            .WithCustomArgument($"-hls_segment_filename \"{segmentPath}\"");
    }

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    // Paths are passed in double quotes, so a quote inside one would split the command line.
    private static string RequireQuotable(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Path '{path}' cannot be passed to FFmpeg.", nameof(path));
        }

        return path;
    }
}
