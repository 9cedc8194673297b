using System.Diagnostics;
using System.Globalization;

namespace Broadcast.Testing;

/// <summary>
/// A real FFmpeg publishing a 640x360 30 fps test pattern (H.264 baseline with SPS/PPS before every key frame and a
/// 1 s GOP, or VP8) and a sine as Opus over plain RTP, each stream to its own port with RTCP to another (port + 1
/// unless given).
/// </summary>
internal sealed class FfmpegPublisher : IDisposable
{
    public const uint VideoSsrc = 0x11111111;
    public const uint AudioSsrc = 0x22222222;
    public const byte VideoPayloadType = 96;
    public const byte AudioPayloadType = 111;

    private readonly Process _process;

    private FfmpegPublisher(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts publishing video (<paramref name="videoCodec"/>: "h264" x264 baseline, "h264-bframes" x264 main with two
    /// B-frames, or "vp8") and Opus to loopback ports; an <paramref name="audioPort"/> of 0 publishes video alone.
    /// </summary>
    public static FfmpegPublisher Start(string videoCodec, int videoPort, int? videoRtcpPort, int audioPort, int? audioRtcpPort,
        byte videoPayloadType = VideoPayloadType, byte audioPayloadType = AudioPayloadType)
    {
        var startInfo = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string[] video = videoCodec switch
        {
            "vp8" => ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "800k", "-g", "30", "-auto-alt-ref", "0", "-lag-in-frames", "0"],
            "h264-bframes" => ["-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-bf", "2", "-pix_fmt", "yuv420p",
               "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "1M", "-bsf:v", "dump_extra"],
            _ => ["-c:v", "libx264", "-profile:v", "baseline", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
               "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "1M", "-bsf:v", "dump_extra"],
        };
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin",
            "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-map", "0:v", .. video,
            "-payload_type", Text(videoPayloadType), "-ssrc", Text((int)VideoSsrc), "-f", "rtp",
            $"rtp://127.0.0.1:{Text(videoPort)}?rtcpport={Text(videoRtcpPort ?? videoPort + 1)}&pkt_size=1200",
            .. audioPort == 0 ? (string[])[] :
            [
                "-map", "1:a", "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-ar", "48000",
                "-payload_type", Text(audioPayloadType), "-ssrc", Text((int)AudioSsrc), "-f", "rtp",
                $"rtp://127.0.0.1:{Text(audioPort)}?rtcpport={Text(audioRtcpPort ?? audioPort + 1)}&pkt_size=1200",
            ],
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new FfmpegPublisher(process);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        _process.Dispose();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
