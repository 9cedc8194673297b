using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Broadcast.E2E.Tests.Latency;

/// <summary>
/// A publisher whose frames carry the wall-clock time they were made: this process makes 640×360 yuv420p pictures at
/// 30 fps, paced against a <see cref="Stopwatch"/> (frame n is due n/30 s after the start, so pacing never drifts),
/// writes <see cref="TimestampCode"/> into each one's top band at the moment it is made, and pipes them raw to
/// FFmpeg, which encodes H.264 and sends it over plain RTP (video only). Disposing stops FFmpeg.
/// </summary>
internal sealed class TimestampedPublisher : IDisposable
{
    public const int Width = 640;
    public const int Height = 360;
    public const int FramesPerSecond = 30;

    private const int TailLines = 20;

    private readonly Process _process;
    private readonly Thread _writer;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private long _frames;
    private long _late;

    private TimestampedPublisher(Process process)
    {
        _process = process;
        _writer = new Thread(WriteFrames) { IsBackground = true, Name = "timestamped frames" };
    }

    /// <summary>Frames handed to FFmpeg so far.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Frames made more than one frame period after they were due (FFmpeg or the machine falling behind).</summary>
    public long LateFrames => Interlocked.Read(ref _late);

    /// <summary>FFmpeg's last lines on stderr, for a failing test's message.</summary>
    public string ErrorTail => string.Join(Environment.NewLine, _errors);

    public static TimestampedPublisher Start(int rtpPort, int rtcpPort, byte payloadType, uint ssrc) =>
        Start(payloadType, ssrc, (rtpPort, rtcpPort));

    /// <summary>One encoder, the same frames sent to every destination (FFmpeg's tee muxer).</summary>
    public static TimestampedPublisher Start(byte payloadType, uint ssrc, params (int Rtp, int Rtcp)[] destinations)
    {
        var startInfo = new ProcessStartInfo("ffmpeg")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        foreach (var argument in Arguments(payloadType, ssrc, destinations))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        var publisher = new TimestampedPublisher(process);
        process.ErrorDataReceived += (_, line) => publisher.Remember(line.Data);
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        publisher._writer.Start();
        return publisher;
    }

    /// <summary>FFmpeg's command line: raw pictures on stdin → H.264 → RTP to 127.0.0.1.</summary>
    public static IReadOnlyList<string> Arguments(int rtpPort, int rtcpPort, byte payloadType, uint ssrc) =>
        Arguments(payloadType, ssrc, [(rtpPort, rtcpPort)]);

    private static IReadOnlyList<string> Arguments(byte payloadType, uint ssrc, (int Rtp, int Rtcp)[] destinations) =>
        destinations.Length == 1
            ? [.. Encoding(), "-payload_type", Text(payloadType), "-ssrc", Text((int)ssrc), "-f", "rtp", Url(destinations[0])]
            // Several destinations: the tee muxer sends the one encoding to each, with the same RTP settings.
            : [.. Encoding(), "-map", "0:v", "-f", "tee",
                string.Join('|', destinations.Select(d => $"[f=rtp:payload_type={Text(payloadType)}:ssrc={Text((int)ssrc)}]{Url(d)}"))];

    private static string Url((int Rtp, int Rtcp) destination) =>
        $"rtp://127.0.0.1:{Text(destination.Rtp)}?rtcpport={Text(destination.Rtcp)}&pkt_size=1200";

    private static string[] Encoding() =>
    [
        "-hide_banner", "-loglevel", "error", "-nostats",
        // Raw pictures as this process makes them; the frame rate gives them their timestamps (n/30 s), which
        // match when they were made because the writer is paced. No probing: the format is stated in full.
        "-f", "rawvideo", "-pixel_format", "yuv420p", "-video_size", $"{Width}x{Height}", "-framerate", Text(FramesPerSecond),
        "-probesize", "32", "-analyzeduration", "0", "-fflags", "nobuffer", "-i", "pipe:0",
        // H.264 that browsers decode and our producer announces (constrained baseline, 42e01f), with no frame held
        // back in the encoder (ultrafast, zerolatency: no B-frames, no lookahead, sliced threads), a 1 s GOP and
        // SPS/PPS before every key frame so a viewer joining late starts at the next one.
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p",
        "-g", Text(FramesPerSecond), "-keyint_min", Text(FramesPerSecond), "-sc_threshold", "0",
        // Plain RTP to the channel's transport follows; the SSRC option is a signed 32-bit integer.
        "-b:v", "1500k", "-maxrate", "1500k", "-bufsize", "1500k", "-bsf:v", "dump_extra",
    ];

    private void WriteFrames()
    {
        var frame = new byte[Width * Height * 3 / 2];
        frame.AsSpan().Fill(128); // mid-grey picture, neutral chroma
        var stdin = _process.StandardInput.BaseStream;
        var clock = Stopwatch.StartNew();
        var period = Stopwatch.Frequency / FramesPerSecond;
        try
        {
            for (long n = 0; !_stop.IsCancellationRequested; n++)
            {
                var due = n * Stopwatch.Frequency / FramesPerSecond;
                var wait = due - clock.ElapsedTicks;
                if (wait > 0 && _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)))
                {
                    break;
                }

                if (clock.ElapsedTicks - due > period)
                {
                    Interlocked.Increment(ref _late);
                }

                DrawMovingSquare(frame, n);
                TimestampCode.Write(frame, Width, Height, Width, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (byte)n);
                stdin.Write(frame);
                stdin.Flush();
                Interlocked.Increment(ref _frames);
            }
        }
        catch (IOException)
        {
            // FFmpeg exited (or was stopped): nothing left to write to.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Something that moves below the band, so the encoder codes motion as it would for a camera.</summary>
    private static void DrawMovingSquare(byte[] frame, long n)
    {
        const int size = 64;
        const int top = 160;
        var previous = (int)((n - 1 + 1000) * 8 % (Width - size));
        var left = (int)((n + 1000) * 8 % (Width - size));
        for (var y = top; y < top + size; y++)
        {
            frame.AsSpan((y * Width) + previous, size).Fill(128);
            frame.AsSpan((y * Width) + left, size).Fill(220);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _errors.Enqueue(line);
        while (_errors.Count > TailLines && _errors.TryDequeue(out _))
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        _writer.Join(TimeSpan.FromSeconds(5));
        _process.Dispose();
        _stop.Dispose();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
