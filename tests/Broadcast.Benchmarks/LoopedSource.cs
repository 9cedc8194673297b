using System.Diagnostics;
using System.Globalization;

namespace Broadcast.Benchmarks;

/// <summary>
/// The one pre-encoded file every sender of the cost tool loops, and the senders' FFmpeg arguments: they copy it
/// (no encoding), so the senders cost little and both servers get the same bytes.
/// </summary>
internal static class LoopedSource
{
    public const uint VideoSsrc = 0x11111111;
    public const uint AudioSsrc = 0x22222222;
    public const int VideoPayloadType = 96;
    public const int AudioPayloadType = 97;

    /// <summary>AudioSpecificConfig of AAC-LC, 48 kHz, stereo (object type 2, frequency index 3, 2 channels), as RFC 3640's config= names it.</summary>
    public const string AacConfig = "1190";

    /// <summary>
    /// Encodes 30 s of 720p30 H.264 (constrained baseline: no B-frames to reorder; 2.5 Mbit/s with CBR padding; a key
    /// frame every 2 s, one per HLS segment of both servers) and AAC-LC 48 kHz stereo into an MP4.
    /// </summary>
    /// <remarks>
    /// SPS and PPS are repeated in every key frame (repeat-headers): the appliance's FFmpeg reads an SDP without
    /// sprop-parameter-sets, so they must come in band, as a live encoder sends them. A bitstream filter in the
    /// sender could add them too, but FFmpeg 5.1's filters stop at the first -stream_loop wrap.
    /// </remarks>
    public static async Task<string> MakeAsync(string folder, CancellationToken cancel)
    {
        var path = Path.Combine(folder, "source.mp4");
        var startInfo = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])
        [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "30",
            "-c:v", "libx264", "-profile:v", "baseline", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-b:v", "2500k", "-minrate", "2500k", "-maxrate", "2500k", "-bufsize", "2500k", "-x264-params", "nal-hrd=cbr:repeat-headers=1",
            "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000", path,
        ])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var ffmpeg = Process.Start(startInfo)!;
        var errors = ffmpeg.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await ffmpeg.WaitForExitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            ffmpeg.Kill();
            throw;
        }

        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"FFmpeg could not encode the source file: {await errors}");
        }

        return path;
    }

    /// <summary>Video and audio to a channel's two comedia plain transports (RTCP to their separate ports).</summary>
    public static string[] RtpSender(string file, PlainRtpPorts ports) =>
    [
        .. Input(file),
        "-map", "0:v", "-c", "copy",
        "-payload_type", Text(VideoPayloadType), "-ssrc", Text(unchecked((int)VideoSsrc)), "-f", "rtp",
        $"rtp://127.0.0.1:{Text(ports.Video)}?rtcpport={Text(ports.VideoRtcp)}&pkt_size=1200",
        "-map", "0:a", "-c", "copy",
        "-payload_type", Text(AudioPayloadType), "-ssrc", Text(unchecked((int)AudioSsrc)), "-f", "rtp",
        $"rtp://127.0.0.1:{Text(ports.Audio)}?rtcpport={Text(ports.AudioRtcp)}&pkt_size=1200",
    ];

    public static string[] RtmpSender(string file, string url) => [.. Input(file), "-c", "copy", "-f", "flv", url];

    // Real time (-re), looped for as long as the run needs it.
    private static string[] Input(string file) => ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1", "-i", file];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The appliance's local ports of one channel's video and audio plain transports.</summary>
internal sealed record PlainRtpPorts(int Video, int VideoRtcp, int Audio, int AudioRtcp);
