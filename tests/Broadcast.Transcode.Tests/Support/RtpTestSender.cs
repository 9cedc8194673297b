using System.Diagnostics;
using System.Globalization;

namespace Broadcast.Transcode.Tests.Support;

/// <summary>
/// A second FFmpeg playing the publisher: a 640x360 30 fps test pattern as H.264 baseline with SPS/PPS before
/// every key frame (1 s GOP) and a sine as Opus, sent as RTP to loopback ports with fixed PT and SSRC.
/// </summary>
internal sealed class RtpTestSender : IDisposable
{
    private readonly Process _process;

    private RtpTestSender(Process process) => _process = process;

    public static RtpTestSender Start(int videoPort, byte videoPayloadType, int audioPort, byte audioPayloadType)
    {
        var startInfo = new ProcessStartInfo("ffmpeg")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin",
            "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-map", "0:v", "-c:v", "libx264", "-profile:v", "baseline", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "1M", "-bsf:v", "dump_extra",
            "-payload_type", Text(videoPayloadType), "-ssrc", "0x11111111", "-f", "rtp", $"rtp://127.0.0.1:{Text(videoPort)}?pkt_size=1200",
            "-map", "1:a", "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-ar", "48000",
            "-payload_type", Text(audioPayloadType), "-ssrc", "0x22222222", "-f", "rtp", $"rtp://127.0.0.1:{Text(audioPort)}?pkt_size=1200",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        // Drain both pipes so the sender never blocks on them.
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new RtpTestSender(process);
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
            // Already exited.
        }

        _process.Dispose();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
