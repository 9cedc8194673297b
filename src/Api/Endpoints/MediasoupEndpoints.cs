using Broadcast.Api.Channels;
using Broadcast.Api.Contracts;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// The mediasoup REST API: routers, transports, producers and consumers. Handlers read object state on the
/// object's worker (building the response there) and change it only through the *Async methods. Admin routes (the
/// composition requires BroadcastPolicies.Admin); creating a plain RTP transport on a publisher channel, and connecting
/// and producing on one that its publisher created, also take the channel's publish token.
/// </summary>
public static partial class MediasoupEndpoints
{
    public const string Prefix = "/api/v1/mediasoup";

    public static IEndpointRouteBuilder MapMediasoupApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix)
            .RequireCors(ApiCors.PolicyName)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status500InternalServerError);
        MapRouters(api);
        MapTransports(api);
        MapProducers(api);
        MapConsumers(api);
        return app;
    }

    private static void MapRouters(RouteGroupBuilder api)
    {
        var routers = api.MapGroup("/router").WithTags("Routers");
        routers.MapPost("/", CreateRouter).WithName("CreateRouter")
            .WithSummary("Creates a router (one per channel) on the next worker.")
            .AcceptsJson<CreateRouterRequest>(Examples.CreateRouter)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        routers.MapGet("/", ListRouters).WithName("ListRouters").WithSummary("Lists the routers.");
        routers.MapGet("/{id}", GetRouter).WithName("GetRouter")
            .WithSummary("Gets a router with its rtpCapabilities, transport and producer ids.");
        routers.MapDelete("/{id}", DeleteRouter).WithName("DeleteRouter")
            .WithSummary("Closes a router and everything it owns, freeing its ports.");
    }

    private static async Task<Created<RouterResponse>> CreateRouter(HttpRequest request, ChannelService channels, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<CreateRouterRequest>(request);
        // A defined channel's router gets the channel's HLS profile.
        var router = await channels.CreateRouterAsync(body.RouterId, request.HttpContext.RequestAborted);
        loggers.Mediasoup().RouterCreated(router.Id, router.Worker.Index);
        return TypedResults.Created($"{Prefix}/router/{router.Id}", await DescribeAsync(router));
    }

    private static async Task<Ok<RouterResponse[]>> ListRouters(MediaServer media)
    {
        var routers = await Task.WhenAll(media.Routers.Select(TryDescribeAsync));
        // A router closed while we listed is simply left out.
        return TypedResults.Ok(routers.OfType<RouterResponse>().OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToArray());
    }

    private static async Task<Ok<RouterResponse>> GetRouter(string id, MediaServer media, ChannelService channels, HttpContext context) =>
        TypedResults.Ok(await DescribeAsync(await LocalRouterAsync(id, media, channels, context.RequestAborted)));

    private static async Task<NoContent> DeleteRouter(string id, MediaServer media, ChannelService channels, ILoggerFactory loggers, HttpContext context)
    {
        await (await LocalRouterAsync(id, media, channels, context.RequestAborted)).CloseAsync();
        loggers.Mediasoup().RouterClosed(id);
        return TypedResults.NoContent();
    }

    /// <summary>The router running here; 307 to the owner of a channel that runs elsewhere; 404 otherwise.</summary>
    internal static async Task<Router> LocalRouterAsync(string id, MediaServer media, ChannelService channels, CancellationToken cancellationToken)
    {
        if (media.FindRouter(id) is { } router)
        {
            return router;
        }

        await channels.EnsureServedHereAsync(id, cancellationToken);
        return media.GetRouter(id);
    }

    private static async Task<RouterResponse> DescribeAsync(Router router) =>
        await TryDescribeAsync(router) ?? throw new NotFoundException("router", router.Id);

    private static Task<RouterResponse?> TryDescribeAsync(Router router) =>
        router.Worker.InvokeAsync(() => router.IsClosed ? null : RouterResponse.From(router));

    private static ILogger Mediasoup(this ILoggerFactory loggers) => loggers.CreateLogger(ApiLog.MediasoupCategory);
}
