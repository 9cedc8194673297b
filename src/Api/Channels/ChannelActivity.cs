using System.Collections.Concurrent;
using Broadcast.Api.Options;
using Broadcast.Ingest.Routing;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Channels;

/// <summary>One point of a channel's recent activity: rates over the interval that ended at <see cref="At"/>.</summary>
/// <param name="At">The end of the interval.</param>
/// <param name="IngestKbps">What the publisher or camera sent, in kbit/s (RTP headers included).</param>
/// <param name="EgressKbps">What real-time viewers were sent, in kbit/s.</param>
/// <param name="FramesPerSecond">Video pictures received per second (RTP marker bits).</param>
/// <param name="PacketsLost">Ingest packets lost in the interval.</param>
/// <param name="RealTimeViewers">Real-time viewers at the end of the interval.</param>
public readonly record struct ActivityPoint(DateTimeOffset At, double IngestKbps, double EgressKbps, double FramesPerSecond, long PacketsLost, int RealTimeViewers);

/// <summary>
/// The last minutes of every live channel's ingest and egress, for health routes and the console's graphs: every
/// <see cref="ApiOptions.ActivityInterval"/> one visit per worker loop reads the counters the routers keep, and the differences become
/// points. One timer for the appliance, nothing per packet or per channel.
/// </summary>
/// <remarks>The media server is resolved when first needed, not injected: hosted services are built before the options are
/// validated, and an injected server would read invalid options first and report only their errors.</remarks>
public sealed class ChannelActivity(IServiceProvider services, TimeProvider time, ILogger<ChannelActivity> logger) : BackgroundService
{
    /// <summary>Points kept per channel: six minutes at the default interval of 5 s (<see cref="ApiOptions.ActivityInterval"/>).</summary>
    public const int Capacity = 72;

    private readonly ConcurrentDictionary<string, History> _channels = new(StringComparer.Ordinal);

    /// <summary>The channel's points, oldest first; empty for a channel not live here or younger than one interval.</summary>
    public IReadOnlyList<ActivityPoint> HistoryOf(string channelId) =>
        _channels.TryGetValue(channelId, out var history) ? history.Points() : [];

    /// <summary>The channel's latest point, or null.</summary>
    public ActivityPoint? Latest(string channelId) =>
        _channels.TryGetValue(channelId, out var history) ? history.Latest() : null;

    /// <summary>Takes one reading now (the timer's work; tests call it to move on without waiting).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var media = services.GetRequiredService<MediaServer>();
        var visits = await WorkerVisits.ReadAllAsync(media, ChannelSample.Read, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var visit in visits)
        {
            live.UnionWith(visit.Unvisited.Select(r => r.Id));
            foreach (var (channel, sample) in visit.Channels ?? [])
            {
                live.Add(channel);
                _channels.GetOrAdd(channel, _ => new History()).Add(now, sample);
            }
        }

        foreach (var gone in _channels.Keys.Where(id => !live.Contains(id)))
        {
            _channels.TryRemove(gone, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(services.GetRequiredService<IOptions<ApiOptions>>().Value.ActivityInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Reading the channels' activity failed; the next interval tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>A ring of points and the counters they were computed from.</summary>
    private sealed class History
    {
        private readonly Lock _gate = new();
        private readonly ActivityPoint[] _points = new ActivityPoint[Capacity];
        private int _count;
        private int _next;
        private (DateTimeOffset At, ChannelSample Sample)? _last;

        public void Add(DateTimeOffset at, ChannelSample sample)
        {
            lock (_gate)
            {
                if (_last is { } last && at > last.At)
                {
                    var seconds = (at - last.At).TotalSeconds;
                    // A router recreated under the same id starts from zero: no negative rates.
                    static double Rate(long now, long before, double seconds) => Math.Max(0, now - before) / seconds;
                    _points[_next] = new ActivityPoint(at,
                        Rate(sample.BytesIn, last.Sample.BytesIn, seconds) * 8 / 1000,
                        Rate(sample.BytesOut, last.Sample.BytesOut, seconds) * 8 / 1000,
                        Rate(sample.VideoFramesIn, last.Sample.VideoFramesIn, seconds),
                        Math.Max(0, sample.PacketsLost - last.Sample.PacketsLost),
                        sample.RealTimeViewers);
                    _next = (_next + 1) % Capacity;
                    _count = Math.Min(_count + 1, Capacity);
                }

                _last = (at, sample);
            }
        }

        public ActivityPoint[] Points()
        {
            lock (_gate)
            {
                var points = new ActivityPoint[_count];
                for (var i = 0; i < _count; i++)
                {
                    points[i] = _points[(_next - _count + i + Capacity) % Capacity];
                }

                return points;
            }
        }

        public ActivityPoint? Latest()
        {
            lock (_gate)
            {
                return _count == 0 ? null : _points[(_next - 1 + Capacity) % Capacity];
            }
        }
    }
}
