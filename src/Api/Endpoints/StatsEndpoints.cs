using Broadcast.Api.Contracts;
using Broadcast.Api.Http;
using Broadcast.Api.Runtime;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>Liveness and load: GET /healthz (public, for probes) and GET /api/v1/stats (admin).</summary>
public static class StatsEndpoints
{
    /// <summary>How long a worker may take to run an empty item before it counts as stuck.</summary>
    private static readonly TimeSpan WorkerAnswerTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Healthz).WithName("Healthz").WithTags("Health")
            .WithSummary("Liveness: every media worker loop answers within 2 seconds.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/v1/stats", GetStats).WithName("GetStats").WithTags("Health").RequireCors(ApiCors.PolicyName)
            .RequireAuthorization(BroadcastPolicies.Admin)
            .WithSummary("Workers with their routers and executed items, routers, ports in use, memory and uptime.");
        return app;
    }

    private static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> Healthz(MediaServer media, CancellationToken cancellationToken)
    {
        var pings = media.Workers.Workers.Select(w => w.InvokeAsync(() => true));
        try
        {
            await Task.WhenAll(pings).WaitAsync(WorkerAnswerTimeout, cancellationToken);
            return TypedResults.Ok(new HealthResponse("ok"));
        }
        catch (TimeoutException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unhealthy",
                detail: "A media worker did not answer within 2 seconds.");
        }
    }

    private static Ok<StatsResponse> GetStats(MediaServer media, MediaServerStart start, TimeProvider time)
    {
        var workers = media.Workers.Workers.Select(w => new WorkerStats(w.Index, w.RouterCount, w.ExecutedItems)).ToArray();
        var ports = new PortStats(media.Ports.MinPort, media.Ports.MaxPort, media.Ports.InUseCount);
        var memory = new MemoryStats(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false));
        return TypedResults.Ok(new StatsResponse(workers, media.Routers.Count, ports, memory,
            (time.GetUtcNow() - start.At).TotalSeconds));
    }
}

/// <summary>GET /healthz when live.</summary>
public sealed record HealthResponse(string Status);
