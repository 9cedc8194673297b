using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.Transcode.Tests.Support;

/// <summary>A supervisor for an H.264 + Opus channel on free loopback ports, in its own temp folders.</summary>
internal sealed class SupervisorFixture : IAsyncDisposable
{
    public const byte VideoPayloadType = 96;
    public const byte AudioPayloadType = 111;

    private readonly TempDirectory _folder = new();
    private readonly PortLease _ports = TestPorts.Lease();
    private int _listeningCalls;

    public SupervisorFixture(ITestOutputHelper output, Action<HlsOptions>? configure = null)
    {
        // Two even/odd pairs of this fixture's own block: FFmpeg binds them itself, so no one else may in between.
        VideoPort = _ports.MinPort;
        AudioPort = _ports.MinPort + 2;
        Options = new HlsOptions
        {
            Root = _folder.Combine("hls"),
            WorkRoot = _folder.Combine("run"),
            RestartBackoffInitial = TimeSpan.FromMilliseconds(200),
            // The supervisor alone, with FFmpeg writing the playlist; the packaged output is tested through the pipeline.
            Format = HlsSegmentFormat.MpegTs,
        };
        configure?.Invoke(Options);
        Job = new HlsJob(
            "ch-test",
            Path.Combine(Options.WorkRoot, "ch-test.sdp"),
            Path.Combine(Options.Root, "ch-test"),
            [
                new SdpMediaStream(MediaKind.Video, VideoPort, VideoPayloadType, "H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f"),
                new SdpMediaStream(MediaKind.Audio, AudioPort, AudioPayloadType, "opus", 48000, 2, "minptime=10;useinbandfec=1"),
            ]);
        Logger = new TestOutputLogger(output);
        Supervisor = new FfmpegSupervisor(Job, Options, Logger, TimeProvider.System)
        {
            Listening = _ =>
            {
                PortsTakenWhenListening = Ports.All(p => !LoopbackPorts.IsFree(p));
                Interlocked.Increment(ref _listeningCalls);
                return Task.CompletedTask;
            },
        };
    }

    public int VideoPort { get; }

    public int AudioPort { get; }

    public int[] Ports => [VideoPort, VideoPort + 1, AudioPort, AudioPort + 1];

    public HlsOptions Options { get; }

    public HlsJob Job { get; }

    public TestOutputLogger Logger { get; }

    public FfmpegSupervisor Supervisor { get; }

    public int ListeningCalls => Volatile.Read(ref _listeningCalls);

    public bool? PortsTakenWhenListening { get; private set; }

    public IReadOnlyList<string> ListedSegments() =>
        File.Exists(Job.PlaylistPath) ? HlsPlaylist.SegmentUris(File.ReadAllText(Job.PlaylistPath)) : [];

    public FfmpegPublisher StartSender() =>
        FfmpegPublisher.Start("h264", VideoPort, null, AudioPort, null, VideoPayloadType, AudioPayloadType);

    public Task WaitForAsync(Func<bool> condition) => Eventually.HoldsAsync(condition, Explain);

    public string Explain() =>
        $"State {Supervisor.State}, restarts {Supervisor.Restarts}, listening calls {ListeningCalls}, " +
        $"playlist: {(File.Exists(Job.PlaylistPath) ? File.ReadAllText(Job.PlaylistPath) : "(none)")}\n" +
        $"FFmpeg said:\n{string.Join('\n', Supervisor.LastStderrLines)}";

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        _folder.Dispose();
        _ports.Dispose();
    }
}
