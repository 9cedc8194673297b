using System.ComponentModel;

namespace Broadcast.Transcode;

// The supervision loop: the only code that starts, watches, restarts and stops FFmpeg processes.
public sealed partial class FfmpegSupervisor
{
    private static readonly TimeSpan PortPollInterval = TimeSpan.FromMilliseconds(50);

    private enum RunOutcome
    {
        Exited,
        Stalled,
        StopRequested,
    }

    private async Task SuperviseAsync(string ffmpeg, FfmpegRun first, CancellationToken stop)
    {
        var backoff = new RestartBackoff(_options.RestartBackoffInitial, _options.RestartBackoffMax);
        FfmpegRun? run = first;
        try
        {
            while (run is not null)
            {
                var outcome = await WatchAsync(run, stop).ConfigureAwait(false);
                if (outcome == RunOutcome.StopRequested)
                {
                    _state = (int)FfmpegState.Stopping;
                    _logger.FfmpegStopping(run.ProcessId);
                    var stopping = _time.GetTimestamp();
                    if (await run.QuitAsync(_options.StopTimeout, _time, MediaFlowing).ConfigureAwait(false))
                    {
                        _logger.FfmpegKilledAfterTimeout(run.ProcessId, (long)_time.GetElapsedTime(stopping).TotalMilliseconds);
                    }

                    EndRun(run);
                    return;
                }

                if (outcome == RunOutcome.Stalled)
                {
                    run.Kill();
                }

                var exitCode = await run.Exited.ConfigureAwait(false);
                if (run.MediaOutputFailure is { } failure)
                {
                    _logger.MediaOutputFailed(run.ProcessId, failure);
                }

                var lasted = _time.GetElapsedTime(run.StartedAt);
                _logger.FfmpegExitedUnexpectedly(run.ProcessId, exitCode, lasted.TotalSeconds, _tail.LastLine());
                EndRun(run);
                run = await RestartAfterBackoffAsync(ffmpeg, backoff, lasted, stop).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug here must not leave FFmpeg running unsupervised.
            _logger.SupervisionFailed(e);
            if (_current is { } orphan)
            {
                orphan.Kill();
                await orphan.Exited.ConfigureAwait(false);
                EndRun(orphan);
            }
        }
    }

    /// <summary>Waits out the backoff and starts the next FFmpeg; null when stopped meanwhile.</summary>
    private async Task<FfmpegRun?> RestartAfterBackoffAsync(string ffmpeg, RestartBackoff backoff, TimeSpan lasted, CancellationToken stop)
    {
        while (true)
        {
            var delay = backoff.Next(lasted);
            _state = (int)FfmpegState.BackingOff;
            _logger.FfmpegRestartScheduled((long)delay.TotalMilliseconds, Restarts + 1);
            // A run that lasted the maximum delay was healthy: a new streak of failures may be reported again.
            _failingReported &= lasted < _options.RestartBackoffMax;
            if (delay >= _options.RestartBackoffMax && !_failingReported)
            {
                _failingReported = true;
                RestartEvents?.Invoke(new FfmpegRestartEvent(FfmpegRestartKind.Failing, Restarts + 1, LastExitCode, delay));
            }
            try
            {
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                var run = StartRun(ffmpeg, Restarts + 2);
                Interlocked.Increment(ref _restarts);
                _state = (int)FfmpegState.Running;
                RestartEvents?.Invoke(new FfmpegRestartEvent(FfmpegRestartKind.Restarted, Restarts, LastExitCode, delay));
                return run;
            }
            catch (Exception e) when (e is Win32Exception or IOException)
            {
                _logger.FfmpegStartFailed(e);
                lasted = TimeSpan.Zero;
            }
        }
    }

    private FfmpegRun StartRun(string ffmpeg, int runNumber)
    {
        var sink = _sink!;
        sink.RotateIfLarge();
        sink.WriteMarker(_time.GetUtcNow(), $"run {runNumber}: {ffmpeg} {_arguments}");
        var run = FfmpegRun.Start(ffmpeg, _arguments, sink, _time.GetTimestamp(), _time, MediaOutput);
        _current = run;
        _logger.FfmpegStarted(run.ProcessId, runNumber, _arguments);
        return run;
    }

    private void EndRun(FfmpegRun run)
    {
        var exitCode = run.Exited.Result;
        var at = _time.GetUtcNow();
        _lastExit = new ExitRecord(at, exitCode);
        _sink?.WriteMarker(at, $"pid {run.ProcessId} exited with code {exitCode}");
        _current = null;
        run.Dispose();
    }

    /// <summary>Watches one run until it exits, stalls or a stop is requested; announces Listening meanwhile.</summary>
    private async Task<RunOutcome> WatchAsync(FfmpegRun run, CancellationToken stop)
    {
        using var runEnded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var listening = AnnounceListeningAsync(run, runEnded.Token);
        var stallLimit = _options.StallSegments * TimeSpan.FromSeconds(_options.SegmentSeconds);
        var stall = new StallDetector(stallLimit);
        // Exits and stops wake the loop at once; the tick only samples for stalls, so a quarter of the limit is enough
        // (a stall is seen within 1.25 limits) and a channel costs one wake-up every 1.5 s by default, not 2 a second.
        var tick = TimeSpan.FromSeconds(Math.Clamp(stallLimit.TotalSeconds / 4, 0.1, 2));
        try
        {
            while (true)
            {
                // A cancelled delay completes the WhenAny without throwing.
                await Task.WhenAny(run.Exited, Task.Delay(tick, _time, stop)).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    return RunOutcome.StopRequested;
                }

                if (run.Exited.IsCompleted)
                {
                    return RunOutcome.Exited;
                }

                var flowing = MediaFlowing?.Invoke() ?? false;
                var newest = PlaylistStatus().NewestSegmentName;
                if (stall.Observe(_time.GetElapsedTime(run.StartedAt), flowing, newest))
                {
                    _logger.FfmpegStalled(run.ProcessId, stall.FlowingWithoutProgress.TotalSeconds);
                    return RunOutcome.Stalled;
                }
            }
        }
        finally
        {
            await runEnded.CancelAsync().ConfigureAwait(false);
            await listening.ConfigureAwait(false);
        }
    }

    /// <summary>Polls until FFmpeg has bound every RTP and RTCP port of the SDP, then invokes <see cref="Listening"/>.</summary>
    private async Task AnnounceListeningAsync(FfmpegRun run, CancellationToken runEnded)
    {
        try
        {
            if (UdpSocketTable.IsSupported)
            {
                var ports = _job.Streams.SelectMany(s => new[] { s.Port, s.Port + 1 }).ToArray();
                while (!ports.All(UdpSocketTable.PortsBoundBy(run.ProcessId).Contains))
                {
                    if (run.Exited.IsCompleted)
                    {
                        return;
                    }

                    await Task.Delay(PortPollInterval, _time, runEnded).ConfigureAwait(false);
                }
            }
            else
            {
                // Without /proc there is no way to see the sockets; FFmpeg binds them well within a second.
                await Task.Delay(TimeSpan.FromSeconds(1), _time, runEnded).ConfigureAwait(false);
            }

            _logger.FfmpegListening(run.ProcessId, (long)_time.GetElapsedTime(run.StartedAt).TotalMilliseconds);
            if (Listening is { } listening)
            {
                await listening(runEnded).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (runEnded.IsCancellationRequested)
        {
            // The run ended first.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.ListeningCallbackFailed(e);
        }
    }
}
