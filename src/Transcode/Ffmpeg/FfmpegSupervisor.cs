using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.Transcode;

/// <summary>
/// Runs one channel's FFmpeg (SDP in, HLS out) and keeps it running: restarts with backoff after an exit or a
/// stall, tells the pipeline when FFmpeg listens, and stops it with 'q' then a tree kill. One per channel.
/// </summary>
public sealed partial class FfmpegSupervisor : IAsyncDisposable
{
    private readonly HlsJob _job;
    private readonly HlsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _arguments;
    private readonly OutputTail _tail;
    private readonly Lock _gate = new();
    private readonly Lock _cpuGate = new();
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task? _start;
    private Task _supervision = Task.CompletedTask;
    private FfmpegOutputSink? _sink;
    private int _stopClaimed;
    private volatile int _state;
    private volatile FfmpegRun? _current;
    private volatile ExitRecord? _lastExit;
    private int _restarts;
    private CpuReading? _lastCpuReading;

    /// <exception cref="ArgumentException">The job cannot be run (unsafe channel id, unsupported codec, bad ports).</exception>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public FfmpegSupervisor(HlsJob job, HlsOptions options, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        var validation = new HlsOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(HlsOptions.SectionName, typeof(HlsOptions), validation.Failures);
        }

        RequireFileName(job.ChannelId);
        _job = job;
        _options = options;
        _logger = logger;
        _time = time;
        _arguments = FfmpegHlsArguments.Build(job, options);
        _tail = new OutputTail(options.StderrLinesKept);
    }

    /// <summary>
    /// Invoked after each (re)start once FFmpeg has bound all its RTP and RTCP ports: the pipeline resumes its
    /// consumers and requests key frames here. The token is cancelled when that FFmpeg run ends.
    /// </summary>
    public Func<CancellationToken, Task>? Listening { get; set; }

    /// <summary>Whether packets are being sent to FFmpeg; stall detection counts only while this is true (never when null).</summary>
    public Func<bool>? MediaFlowing { get; set; }

    /// <summary>
    /// Reads FFmpeg's stdout as media (fragmented MP4 for the packager) for each run; null when FFmpeg writes files
    /// itself. Must read until the stream ends; when it throws, that FFmpeg is killed and restarted.
    /// </summary>
    public Func<Stream, Task>? MediaOutput { get; set; }

    /// <summary>
    /// Told about restarts after an unexpected exit: when FFmpeg has started again, and when its restart delay has grown
    /// to <see cref="HlsOptions.RestartBackoffMax"/> (it keeps failing fast), once per such streak. Must return at once.
    /// </summary>
    public Action<FfmpegRestartEvent>? RestartEvents { get; set; }

    /// <summary>Where the output stands, when not in the output folder (the packager's live playlist); null reads the folder.</summary>
    public Func<HlsPlaylistStatus>? StatusSource { get; set; }

    /// <summary>Where the supervisor is in its life; changes on the supervision loop.</summary>
    public FfmpegState State => (FfmpegState)_state;

    /// <summary>The running FFmpeg's process id, or null between runs.</summary>
    public int? ProcessId => _current?.ProcessId;

    /// <summary>FFmpeg starts after the first one (after exits and stalls).</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    // Whether the current streak of fast failures was reported (RestartEvents); only the supervision loop touches it.
    private bool _failingReported;

    /// <summary>When the last FFmpeg process exited (any reason), or null before the first exit.</summary>
    public DateTimeOffset? LastExitAt => _lastExit?.At;

    /// <summary>The last exit code: 0 after 'q', 128 + signal after a kill (137 for SIGKILL), else FFmpeg's own.</summary>
    public int? LastExitCode => _lastExit?.Code;

    /// <summary>The last <see cref="HlsOptions.StderrLinesKept"/> lines FFmpeg printed, oldest first; progress blocks are not kept.</summary>
    public IReadOnlyList<string> LastStderrLines => _tail.Snapshot();

    /// <summary>The running FFmpeg's last progress block; null between runs and before its first block.</summary>
    public FfmpegProgress? Progress => _current?.Progress;

    /// <summary>
    /// Every line FFmpeg printed to this supervisor, over all runs (the log file holds at most 20 a second), but its
    /// progress blocks.
    /// </summary>
    public long StderrLineCount => _tail.Count;

    /// <summary>The per-channel FFmpeg log under <see cref="HlsOptions.WorkRoot"/>.</summary>
    public string LogPath => Path.Combine(_options.WorkRoot, _job.ChannelId + ".ffmpeg.log");

    /// <summary>
    /// The running FFmpeg's CPU use (a percentage of one core, averaged since the previous call, or since it started)
    /// and resident memory, read from /proc now; null between runs, off Linux, or when it has just exited. Readings
    /// closer together than <see cref="MinCpuWindow"/> repeat the last percentage, which would otherwise be mostly
    /// rounding of whole clock ticks (10 ms).
    /// </summary>
    public FfmpegResourceUse? ReadResourceUse()
    {
        if (_current is not { } run || ProcessUsage.Read(run.ProcessId) is not { } usage)
        {
            return null;
        }

        var now = _time.GetTimestamp();
        lock (_cpuGate)
        {
            var previous = _lastCpuReading is { } last && ReferenceEquals(last.Run, run)
                ? last
                : new CpuReading(run, TimeSpan.Zero, run.StartedAt, null);
            var elapsed = _time.GetElapsedTime(previous.At, now);
            if (elapsed < MinCpuWindow)
            {
                return new FfmpegResourceUse(previous.Percent, usage.RssBytes);
            }

            var percent = Math.Max(0, (usage.CpuTime - previous.CpuTime) / elapsed * 100);
            _lastCpuReading = new CpuReading(run, usage.CpuTime, now, percent);
            return new FfmpegResourceUse(percent, usage.RssBytes);
        }
    }

    /// <summary>The shortest time a CPU percentage is averaged over.</summary>
    internal static readonly TimeSpan MinCpuWindow = TimeSpan.FromMilliseconds(500);

    /// <summary>What the channel's output shows now (the folder, see <see cref="HlsFolder.Read"/>, unless <see cref="StatusSource"/> says).</summary>
    public HlsPlaylistStatus PlaylistStatus() => StatusSource?.Invoke() ?? HlsFolder.Read(_job.OutputDirectory, _time);

    /// <summary>
    /// Writes the SDP file, creates the output folder, starts FFmpeg and the supervision loop. Returns once FFmpeg
    /// has started; <see cref="Listening"/> follows later. A supervisor starts once.
    /// </summary>
    /// <exception cref="FileNotFoundException">FFmpeg is not found.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopClaimed) != 0, this);
            if (_start is not null)
            {
                throw new InvalidOperationException("This supervisor was already started.");
            }

            _state = (int)FfmpegState.Starting;
            _start = StartCoreAsync(cancellationToken);
            return _start;
        }
    }

    /// <summary>
    /// Stops for good: 'q' to FFmpeg, <see cref="HlsOptions.StopTimeout"/>, then a tree kill; deletes the SDP
    /// file; leaves segments and the playlist, which ends with EXT-X-ENDLIST. Safe to call more than once.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopClaimed, 1) == 0)
        {
            try
            {
                await StopCoreAsync().ConfigureAwait(false);
            }
            finally
            {
                _stopped.TrySetResult();
            }
        }

        await _stopped.Task.ConfigureAwait(false);
    }

    /// <summary>The same as <see cref="StopAsync"/>.</summary>
    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        using var scope = _logger.ChannelScope(_job.ChannelId);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ffmpeg = ExecutableLocator.Find(_options.FfmpegPath)
                ?? throw new FileNotFoundException($"FFmpeg '{_options.FfmpegPath}' was not found.", _options.FfmpegPath);
            Directory.CreateDirectory(_job.OutputDirectory);
            Directory.CreateDirectory(_options.WorkRoot);
            if (Path.GetDirectoryName(Path.GetFullPath(_job.SdpPath)) is { } sdpFolder)
            {
                Directory.CreateDirectory(sdpFolder);
            }

            await File.WriteAllTextAsync(_job.SdpPath, FfmpegSdp.Write(_job.Streams), cancellationToken).ConfigureAwait(false);
            _sink = new FfmpegOutputSink(LogPath, _tail, _time);
            var first = StartRun(ffmpeg, runNumber: 1);
            _state = (int)FfmpegState.Running;

            // The loop inherits this call's logging scope; it runs until StopAsync cancels it.
            _supervision = Task.Run(() => SuperviseAsync(ffmpeg, first, _stopRequested.Token), CancellationToken.None);
        }
        catch
        {
            DeleteQuietly(_job.SdpPath);
            _sink?.Dispose();
            _state = (int)FfmpegState.Stopped;
            throw;
        }
    }

    private async Task StopCoreAsync()
    {
        using var scope = _logger.ChannelScope(_job.ChannelId);
        Task? start;
        lock (_gate)
        {
            start = _start;
        }

        if (start is null)
        {
            _state = (int)FfmpegState.Stopped;
            return;
        }

        try
        {
            await start.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // StartAsync already reported this to its caller and cleaned up.
            return;
        }

        _state = (int)FfmpegState.Stopping;
        await _stopRequested.CancelAsync().ConfigureAwait(false);
        await _supervision.ConfigureAwait(false);
        _stopRequested.Dispose();

        DeleteQuietly(_job.SdpPath);
        DeleteQuietly(_job.PlaylistPath + ".tmp");
        if (MediaOutput is null && HlsPlaylist.TryAppendEndList(_job.PlaylistPath))
        {
            _logger.EndListAppended(_job.PlaylistPath);
        }

        _sink?.Dispose();
        _state = (int)FfmpegState.Stopped;
        _logger.SupervisionStopped(Restarts, LastExitCode);
    }

    private void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.CleanupFailed(path, e);
        }
    }

    private static void RequireFileName(string channelId)
    {
        if (string.IsNullOrWhiteSpace(channelId) || channelId is "." or ".."
            || channelId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || channelId.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Channel id '{channelId}' must be usable as a file name.", nameof(channelId));
        }
    }

    private sealed record ExitRecord(DateTimeOffset At, int Code);

    // The run it belongs to, so that a restarted FFmpeg is not measured against its predecessor's CPU time.
    private sealed record CpuReading(FfmpegRun Run, TimeSpan CpuTime, long At, double? Percent);
}
