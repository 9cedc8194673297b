using Broadcast.Api.Channels;
using Broadcast.Api.Contracts;
using Broadcast.Api.Hls;
using Broadcast.Api.Http;
using Broadcast.Api.Runtime;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// The seeds' health and stats routes beside /healthz and /api/v1/stats: GET /health and GET /stats ("Mediasoup
/// Service"), GET /api/health/webrtc and GET /api/webrtc/channels/{id}/stats ("MediaSoup WebRTC Endpoints Reference",
/// success/data envelope). Every figure comes from one visit per worker loop and the channels' activity.
/// </summary>
public static class SeedHealthEndpoints
{
    public static IEndpointRouteBuilder MapSeedHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health).WithName("GetHealth").WithTags("Health")
            .WithSummary("Liveness (seed \"Mediasoup Service\"): status, time, uptime and worker loops; 503 when a loop does not answer within 2 s.")
            .Produces<ServiceHealthResponse>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/stats", Stats).WithName("GetServiceStats").WithTags("Health").RequireCors(ApiCors.PolicyName)
            .RequireAuthorization(BroadcastPolicies.Admin)
            .WithSummary("Load (seed \"Mediasoup Service\"): worker loops with their lag, channels, transports, producers, consumers, viewers, bandwidth in and out, memory, uptime.");
        app.MapGet("/api/health/webrtc", WebRtcHealth).WithName("GetWebRtcHealth").WithTags("Health").RequireCors(ApiCors.PolicyName)
            .WithSummary("The real-time plane's health in the seed's {success, data} envelope: worker loops, live channels, producers, consumers, viewers, bandwidth; 503 when a loop does not answer.")
            .Produces<Envelope<WebRtcHealthResponse>>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/webrtc/channels/{id}/stats", ChannelStats).WithName("GetChannelLiveStats").WithTags("Health").RequireCors(ApiCors.PolicyName)
            .RequireAuthorization(BroadcastPolicies.Admin)
            .WithSummary("One live channel in the seed's {success, data} envelope: producers, consumers, viewers, bandwidth, frame rate and the last six minutes (a point every 5 s).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Health(MediaServer media, MediaServerStart start, TimeProvider time, CancellationToken cancellationToken)
    {
        var visits = await WorkerVisits.ReadAllAsync(media, _ => 0, cancellationToken);
        var healthy = visits.All(v => v.Channels is not null);
        var now = time.GetUtcNow();
        var body = new ServiceHealthResponse(healthy ? "ok" : "unhealthy", now, (now - start.At).TotalSeconds, visits.Length);
        return healthy ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Ok<ServiceStatsResponse>> Stats(MediaServer media, MediaServerStart start, ChannelActivity activity, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var visits = await WorkerVisits.ReadAllAsync(media, RouterCounts.Read, cancellationToken);
        var workers = visits.Select(v => new WorkerLoadResponse(v.Worker.Index, v.Worker.RouterCount, v.Worker.ExecutedItems,
            v.Channels is null ? null : v.Lag.TotalMilliseconds)).ToArray();
        var (counts, bandwidth) = Totals(visits, activity);
        return TypedResults.Ok(new ServiceStatsResponse(workers, counts, bandwidth,
            new MemoryStats(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false)), (time.GetUtcNow() - start.At).TotalSeconds));
    }

    private static async Task<IResult> WebRtcHealth(MediaServer media, ChannelActivity activity, TimeProvider time, CancellationToken cancellationToken)
    {
        var visits = await WorkerVisits.ReadAllAsync(media, RouterCounts.Read, cancellationToken);
        var healthy = visits.Count(v => v.Channels is not null);
        var (counts, bandwidth) = Totals(visits, activity);
        var ok = healthy == visits.Length;
        var data = new WebRtcHealthResponse(ok ? "healthy" : "unhealthy", time.GetUtcNow(), new WorkerHealth(visits.Length, healthy), counts.Channels,
            counts.Producers, counts.Consumers, counts.RealTimeViewers, bandwidth);
        return TypedResults.Json(new Envelope<WebRtcHealthResponse>(ok, data), statusCode: ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Ok<Envelope<ChannelLiveStatsResponse>>> ChannelStats(string id, MediaServer media, ChannelActivity activity,
        HlsViewerTracker hlsViewers)
    {
        var router = media.FindRouter(id) ?? throw new NotFoundException("live channel", id);
        var stats = await router.Worker.InvokeAsync(() =>
        {
            var producers = router.Producers.Select(p => new ProducerLiveStats(p.Id, p.Kind, p.MimeType, p.Paused,
                p.Streams.Sum(s => s.PacketsReceived), p.Streams.Sum(s => s.BytesReceived), p.Streams.Sum(s => Math.Max(0, s.PacketsLost)),
                p.Streams.Sum(s => s.KeyFrames))).ToArray();
            return (Producers: producers, Consumers: router.Transports.Sum(t => t.Consumers.Count), Viewers: router.Viewers);
        }, Worker.DefaultAnswerTimeout);
        var latest = activity.Latest(id);
        return TypedResults.Ok(new Envelope<ChannelLiveStatsResponse>(true, new ChannelLiveStatsResponse(id, stats.Producers, stats.Consumers,
            stats.Viewers, hlsViewers.Count(id), new Bandwidth(latest?.IngestKbps ?? 0, latest?.EgressKbps ?? 0), latest?.FramesPerSecond ?? 0, activity.HistoryOf(id))));
    }

    private static (MediaCounts Counts, Bandwidth Bandwidth) Totals(WorkerVisit<RouterCounts>[] visits, ChannelActivity activity)
    {
        int channels = 0, transports = 0, producers = 0, consumers = 0, viewers = 0;
        double inKbps = 0, outKbps = 0;
        foreach (var (channel, counts) in visits.SelectMany(v => v.Channels ?? []))
        {
            channels++;
            transports += counts.Transports;
            producers += counts.Producers;
            consumers += counts.Consumers;
            viewers += counts.Viewers;
            if (activity.Latest(channel) is { } point)
            {
                inKbps += point.IngestKbps;
                outKbps += point.EgressKbps;
            }
        }

        return (new MediaCounts(channels, channels, transports, producers, consumers, viewers), new Bandwidth(Math.Round(inKbps, 1), Math.Round(outKbps, 1)));
    }

    private readonly record struct RouterCounts(int Transports, int Producers, int Consumers, int Viewers)
    {
        public static RouterCounts Read(Router router) =>
            new(router.Transports.Count, router.Producers.Count, router.Transports.Sum(t => t.Consumers.Count), router.Viewers);
    }
}
