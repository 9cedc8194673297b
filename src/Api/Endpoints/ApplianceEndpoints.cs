using Broadcast.Api.Cluster;
using Broadcast.Api.Http;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Endpoints;

/// <summary>An appliance of the database, as GET /api/v1/appliances lists it.</summary>
/// <param name="Id">Its name (Cluster:ApplianceId).</param>
/// <param name="Url">Its public base URL (Cluster:PublicUrl).</param>
/// <param name="MediaAddress">The address it announces for media.</param>
/// <param name="StartedAt">When it (re)started.</param>
/// <param name="HeartbeatAt">Its last heartbeat.</param>
/// <param name="Live">Its last heartbeat is younger than a lease (Cluster:LeaseDuration); a silent one's channels move.</param>
/// <param name="Draining">Marked draining: its channels move away, new ones and new publishers go elsewhere.</param>
/// <param name="Channels">Channels it owns now.</param>
/// <param name="Viewers">Real-time and HLS viewers at its last heartbeat.</param>
/// <param name="CpuPercent">Its process's CPU at its last heartbeat, in % of the machine.</param>
/// <param name="Drained">Draining and owning no channel any more: it may be stopped.</param>
/// <param name="Here">The appliance that answered.</param>
public sealed record ApplianceResponse(string Id, string Url, string? MediaAddress, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, bool Live,
    bool Draining, int Channels, int Viewers, double CpuPercent, bool Drained, bool Here);

/// <summary>The appliances sharing the database, and draining one of them (any appliance's API acts on any of them).</summary>
public static class ApplianceEndpoints
{
    public const string Prefix = "/api/v1/appliances";

    public static IEndpointRouteBuilder MapApplianceApi(this IEndpointRouteBuilder app)
    {
        var appliances = app.MapGroup(Prefix).WithTags("Appliances").RequireCors(ApiCors.PolicyName);
        appliances.MapGet("/", List).WithName("ListAppliances")
            .WithSummary("Lists the appliances sharing the database (the embedded default: this one): URL, heartbeat, live, draining, channels owned, viewers, CPU.");
        appliances.MapPost("/{id}/drain", Drain).WithName("DrainAppliance")
            .WithSummary("Marks an appliance draining: its camera and idle channels move to the others at once, live publishers' channels when they end; nothing new goes to it. Its entry says drained: true when it owns nothing.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        appliances.MapDelete("/{id}/drain", Undrain).WithName("UndrainAppliance")
            .WithSummary("Ends a drain: the appliance takes new channels and orphans again (channels that moved stay where they are).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<ApplianceResponse[]>> List(IChannelOwnership ownership, IServiceProvider services, IOptions<ClusterOptions> options,
        CancellationToken cancellationToken)
    {
        if (!ownership.IsClustered)
        {
            var media = services.GetRequiredService<MediaServer>();
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            return TypedResults.Ok(new[]
            {
                new ApplianceResponse(ownership.Self.Id, ownership.Self.Url, null, now, now, true, false, media.Routers.Count, 0, 0, false, true),
            });
        }

        var rows = await services.GetRequiredService<ClusterStore>().ListAppliancesAsync(options.Value.LeaseDuration, cancellationToken);
        return TypedResults.Ok(rows.Select(a => new ApplianceResponse(a.Id, a.PublicUrl, a.MediaAddress, a.StartedAt, a.HeartbeatAt, a.Live, a.Draining,
            a.Channels, a.Viewers, a.CpuPercent, a.Draining && a.Channels == 0, a.Id == ownership.Self.Id)).ToArray());
    }

    private static Task<NoContent> Drain(string id, IChannelOwnership ownership, IServiceProvider services, CancellationToken cancellationToken) =>
        SetDrainingAsync(id, true, ownership, services, cancellationToken);

    private static Task<NoContent> Undrain(string id, IChannelOwnership ownership, IServiceProvider services, CancellationToken cancellationToken) =>
        SetDrainingAsync(id, false, ownership, services, cancellationToken);

    private static async Task<NoContent> SetDrainingAsync(string id, bool draining, IChannelOwnership ownership, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        if (!ownership.IsClustered)
        {
            throw new ConflictException($"Draining moves channels to other appliances: it needs several appliances sharing one PostgreSQL (ConnectionStrings:{StateOptions.ConnectionStringName}).");
        }

        if (!await services.GetRequiredService<ClusterStore>().SetDrainingAsync(id, draining, cancellationToken))
        {
            throw new NotFoundException("appliance", id);
        }

        return TypedResults.NoContent();
    }
}
