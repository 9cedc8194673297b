using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Broadcast.Transcode.Muxing;
using Broadcast.Transcode.Packaging;
using Broadcast.Transcode.Tests.Support;

namespace Broadcast.Transcode.Tests.Muxing;

/// <summary>
/// The muxer on what a real FFmpeg sends over RTP (H.264 from x264 and AAC, to loopback UDP sockets), and its output
/// decoded by a real FFmpeg: every picture and audio frame is there and decodes without an error.
/// </summary>
[Collection(RealFfmpegCollection.Name)]
public sealed class RtpFmp4MuxerFfmpegTests : IDisposable
{
    private const double Seconds = 3;
    private readonly string _folder = Directory.CreateTempSubdirectory("broadcast-muxer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task H264_and_AAC_sent_by_FFmpeg_become_fragmented_MP4_that_FFmpeg_decodes_whole()
    {
        var (output, muxer) = await MuxAsync(["-profile:v", "baseline", "-tune", "zerolatency"]);

        Assert.False(muxer.Refused);
        Assert.Equal(0, muxer.PicturesDropped);
        var file = Path.Combine(_folder, "muxed.mp4");
        await File.WriteAllBytesAsync(file, output.Bytes());
        var video = await RunAsync("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", file);
        var audio = await RunAsync("ffprobe", "-v", "error", "-count_frames", "-select_streams", "a:0",
            "-show_entries", "stream=codec_name,sample_rate,channels,nb_read_frames", "-of", "csv=p=0", file);
        var fields = video.Output.Trim().Split(',');
        Assert.Equal(["h264", "320", "180"], fields[..3]);
        Assert.InRange(int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture), (int)(Seconds * 30) - 1, (int)(Seconds * 30));
        fields = audio.Output.Trim().Split(',');
        Assert.Equal(["aac", "48000", "2"], fields[..3]);
        Assert.InRange(int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture), (int)(Seconds * 48000 / 1024) - 3, (int)(Seconds * 48000 / 1024) + 2);
        var decode = await RunAsync("ffmpeg", "-v", "error", "-i", file, "-f", "null", "-");
        Assert.Equal("", decode.Errors.Trim());
        // One run, a fragment per picture, with durations that add up to the stream's length.
        Assert.Single(output.Inits);
        var pictures = output.Runs.Where(r => r.TrackId == 1).ToList();
        Assert.Equal(muxer.PicturesWritten, pictures.Count);
        Assert.Equal(Seconds, pictures.Sum(r => (double)r.Duration) / Fmp4Writer.VideoTimescale, 1);
        Assert.True(pictures[0].StartsWithSync);
    }

    [Fact]
    public async Task H264_with_B_frames_is_refused_for_FFmpeg_to_take_over()
    {
        var (_, muxer) = await MuxAsync(["-profile:v", "main", "-bf", "2"]);

        Assert.True(muxer.Refused);
    }

    private async Task<(Output Output, RtpFmp4Muxer Muxer)> MuxAsync(string[] x264)
    {
        using var videoSocket = Bind();
        using var audioSocket = Bind();
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-map", "0:v", "-c:v", "libx264", "-preset", "ultrafast",
            .. x264, "-g", "30", "-pix_fmt", "yuv420p", "-f", "rtp", "-ssrc", "1111", "-payload_type", "96", $"rtp://127.0.0.1:{Port(videoSocket)}",
            "-t", Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-map", "1:a", "-c:a", "aac", "-ac", "2", "-b:a", "96k",
            "-f", "rtp", "-ssrc", "2222", "-payload_type", "97", $"rtp://127.0.0.1:{Port(audioSocket)}",
        ];
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true })!;
        var errors = ffmpeg.StandardError.ReadToEndAsync();
        var output = new Output();
        // The SDP FFmpeg would write says config=1190: AAC-LC, 48 kHz, stereo.
        var muxer = new RtpFmp4Muxer(new MuxVideoTrack(1111, null, null), new MuxAudioTrack(2222, 48_000, 2, [0x11, 0x90]), output, TimeProvider.System);
        var buffer = new byte[65536];
        var sockets = new List<Socket>();
        // Until FFmpeg has exited and its last datagrams (already in the sockets' buffers then) are read.
        while (!ffmpeg.HasExited || videoSocket.Available > 0 || audioSocket.Available > 0)
        {
            sockets.Clear();
            sockets.AddRange([videoSocket, audioSocket]);
            Socket.Select(sockets, null, null, 100_000);
            foreach (var socket in sockets)
            {
                var read = socket.Receive(buffer);
                muxer.OnRtp(buffer.AsSpan(0, read));
            }
        }

        await ffmpeg.WaitForExitAsync();
        Assert.True(ffmpeg.ExitCode == 0, await errors);
        muxer.End();
        return (output, muxer);
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 * 1024 * 1024 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static async Task<(string Output, string Errors)> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (await output, await errors);
    }

    private sealed class Output : IMuxOutput, IFmp4Sink
    {
        private readonly MemoryStream _bytes = new();

        public List<Fmp4Init> Inits { get; } = [];
        public List<TrackRun> Runs { get; } = [];

        public byte[] Bytes() => _bytes.ToArray();

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
            Inits.Add(init);
            _bytes.Write(bytes);
        }

        public void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs)
        {
            _bytes.Write(bytes);
            Runs.AddRange(runs.ToArray());
        }
    }
}
