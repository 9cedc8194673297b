using Broadcast.Ingest.Events;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.Extensions.Logging;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// A camera feeding a channel: the RTSP client's state machine. While the channel exists it connects, describes,
/// sets up each track, plays, keeps the session alive and, when the session ends or cannot start, waits (capped
/// exponential backoff; longer when the credentials are refused) and starts over. The loop and every state change
/// run on the channel router's worker, so the source is one more actor of the channel; the API reads a snapshot.
/// </summary>
public sealed partial class RtspSource : IRouterObserver
{
    private readonly Router _router;
    private readonly TransportFactory _transports;
    private readonly RtspOptions _options;
    private readonly ILogger _logger;
    private readonly IChannelEventSink? _events;
    private readonly TimeProvider _time;
    private readonly Action<RtspSource> _onStopped;
    private readonly CancellationTokenSource _stop = new();
    private readonly ReconnectBackoff _backoff;
    private readonly ReconnectBackoff _authBackoff;
    private readonly RtspAuthenticator _authenticator;
    private Task _loop = Task.CompletedTask;
    private RtspSourceTransport? _transport;
    private IReadOnlyList<RtspTrack> _tracks = [];
    private bool _useTcp;

    internal RtspSource(Router router, RtspSourceSettings settings, TransportFactory transports, RtspOptions options,
        ILogger logger, TimeProvider time, Action<RtspSource> onStopped, IChannelEventSink? events = null)
    {
        _router = router;
        _events = events;
        Settings = settings;
        _transports = transports;
        _options = options;
        _logger = logger;
        _time = time;
        _onStopped = onStopped;
        _backoff = new ReconnectBackoff(options.BackoffInitial, options.BackoffMax);
        _authBackoff = new ReconnectBackoff(options.AuthBackoffInitial, options.AuthBackoffMax);
        _authenticator = new RtspAuthenticator(settings.Username, settings.Password);
        _useTcp = settings.Transport == RtspTransportMode.Tcp;
        StateSince = time.GetUtcNow();
    }

    public string ChannelId => _router.Id;
    public Router Router => _router;
    public RtspSourceSettings Settings { get; }

    // Worker-only state, read by Status().
    public RtspSourceState State { get; private set; } = RtspSourceState.Connecting;
    private DateTimeOffset StateSince { get; set; }
    private DateTimeOffset? _nextAttemptAt;
    private DateTimeOffset? _playingSince;
    private string? _lastError;
    private long _attempts;
    private long _sessions;
    private int? _sessionTimeout;
    private long _bytesSkipped;

    /// <summary>Starts the loop on the router's worker.</summary>
    internal void Start() => _router.Worker.Post(() =>
    {
        _logger.SourceStarted(ChannelId, Settings.RedactedUrl);
        _loop = RunAsync(_stop.Token);
    });

    /// <summary>Stops the loop (TEARDOWN to the camera if a session is up); the router keeps its producers until it closes.</summary>
    public Task StopAsync() => _router.Worker.RunAsync(async () =>
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(true);
        }

        await _loop.ConfigureAwait(true);
        return true;
    });

    /// <summary>A snapshot for the API, read on the worker.</summary>
    public Task<RtspSourceStatus> GetStatusAsync() => _router.Worker.InvokeAsync(Status);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                _attempts++;
                SetState(RtspSourceState.Connecting);
                _nextAttemptAt = null;
                _logger.Connecting(ChannelId, Settings.RedactedUrl, _attempts, _useTcp ? "tcp" : "udp");
                SessionEnd end;
                try
                {
                    end = await RunSessionAsync(cancellationToken).ConfigureAwait(true);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested || _router.IsClosed)
                {
                    break; // the channel is going away: whatever failed meanwhile does not matter
                }
                catch (RtspSessionException ex)
                {
                    end = new SessionEnd(ex.Failure, ex.Message, Played: false);
                }
#pragma warning disable CA1031 // A bug in one session must not end the channel's source: log it and try again later.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _logger.SessionCrashed(ChannelId, ex);
                    end = new SessionEnd(RtspFailure.Failed, "Internal error (see the log).", Played: false);
                }

                if (end.SwitchToTcp)
                {
                    _useTcp = true;
                    continue;
                }

                await WaitAfterAsync(end, cancellationToken).ConfigureAwait(true);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped while waiting
        }
        finally
        {
            _transport?.Detach();
            SetState(RtspSourceState.Stopped);
            _nextAttemptAt = null;
            _logger.SourceStopped(ChannelId);
            _onStopped(this);
        }
    }

    private async Task WaitAfterAsync(SessionEnd end, CancellationToken cancellationToken)
    {
        if (end.Played)
        {
            _backoff.Reset();
            _authBackoff.Reset();
        }

        _lastError = end.Message; // before the state changes: its event carries the reason
        TimeSpan wait;
        switch (end.Failure)
        {
            case RtspFailure.AuthenticationFailed:
                wait = _authBackoff.Next();
                SetState(RtspSourceState.AuthFailed);
                break;
            case RtspFailure.Unreachable:
                wait = _backoff.Next();
                SetState(RtspSourceState.Unreachable);
                break;
            default:
                wait = _backoff.Next();
                SetState(RtspSourceState.BackingOff);
                break;
        }

        _nextAttemptAt = _time.GetUtcNow() + wait;
        _logger.SessionEnded(ChannelId, StateName(State), end.Message, wait.TotalSeconds);
        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(true);
    }

    private void SetState(RtspSourceState state)
    {
        if (State != state)
        {
            var previous = State;
            State = state;
            StateSince = _time.GetUtcNow();
            _events?.Publish(new ChannelEvent(ChannelEventTypes.CameraStateChanged, ChannelId, StateSince, new Dictionary<string, string?>
            {
                ["state"] = StateName(state),
                ["previous"] = StateName(previous),
                ["lastError"] = _lastError,
            }));
        }

        if (state != RtspSourceState.Playing)
        {
            _playingSince = null;
        }
    }

    /// <summary>The state as the API names it: connecting, playing, backing-off, auth-failed, unreachable, stopped.</summary>
    public static string StateName(RtspSourceState state) => state switch
    {
        RtspSourceState.Connecting => "connecting",
        RtspSourceState.Playing => "playing",
        RtspSourceState.BackingOff => "backing-off",
        RtspSourceState.AuthFailed => "auth-failed",
        RtspSourceState.Unreachable => "unreachable",
        _ => "stopped",
    };

    private RtspSourceStatus Status()
    {
        var transport = _transport;
        var tracks = new List<TrackStatus>();
        foreach (var track in _tracks)
        {
            var index = -1;
            for (var i = 0; transport is not null && i < transport.TrackCount; i++)
            {
                if (transport.Track(i).Index == track.Index)
                {
                    index = i;
                }
            }

            var analyzer = index >= 0 ? transport!.AnalyzerOf(index) : null;
            var producer = index >= 0 ? transport!.ProducerOf(index) : null;
            tracks.Add(new TrackStatus(
                track.Index, track.Kind, track.EncodingName, track.MimeType, track.PayloadType, track.ClockRate, track.Channels,
                Used: index >= 0, track.Unsupported ?? (index < 0 ? "another track of this kind is used" : null),
                analyzer?.Width ?? track.Width, analyzer?.Height ?? track.Height, analyzer?.FrameRate ?? (index >= 0 ? null : track.DeclaredFrameRate),
                analyzer?.KeyFrameIntervalSeconds, analyzer?.BFrames, producer?.Streams.Sum(s => s.PacketsReceived) ?? 0,
                producer is { IsClosed: false } ? producer.Id : null));
        }

        var counters = new RtspSourceCounters(transport?.DroppedQueueFull ?? 0, transport?.DroppedUnknownChannel ?? 0,
            transport?.DroppedUnknownSource ?? 0, transport?.ReceiverReportsSent ?? 0, _bytesSkipped);
        return new RtspSourceStatus(ChannelId, Settings.RedactedUrl, RtspSourceSettings.Name(Settings.Transport),
            _transport is null ? null : _useTcp ? "tcp" : "udp", Settings.HasCredentials, _authenticator.Scheme, State, StateSince,
            _nextAttemptAt, _lastError, _attempts, _sessions, _playingSince, _sessionTimeout, tracks, counters);
    }

    // The channel's router is closing: stop while the HLS pipeline (an earlier observer) has already finished.
    Task IRouterObserver.OnRouterClosingAsync(Router router) => StopAsync();

    void IRouterObserver.OnProducerAdded(Producer producer)
    {
    }

    void IRouterObserver.OnProducerClosed(Producer producer)
    {
    }

    void IRouterObserver.OnRouterClosed(Router router) => _stop.Cancel();

    /// <summary>How a session ended: a failure kind and message, whether media had flowed, or a switch to TCP.</summary>
    private sealed record SessionEnd(RtspFailure Failure, string Message, bool Played, bool SwitchToTcp = false);
}
