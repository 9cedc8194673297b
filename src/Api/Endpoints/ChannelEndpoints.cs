using Broadcast.Api.Channels;
using Broadcast.Api.Contracts;
using Broadcast.Api.Http;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// Channels, the admin's view: persistent channels (RTSP cameras and publisher channels, kept in the state store and
/// restored at start) and every router created ad hoc, with their source, tracks and HLS pipeline.
/// </summary>
public static class ChannelEndpoints
{
    public const string Prefix = "/api/v1/channels";

    public static IEndpointRouteBuilder MapChannelApi(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup(Prefix).WithTags("Channels").RequireCors(ApiCors.PolicyName)
            .ProducesProblem(StatusCodes.Status500InternalServerError);
        channels.MapPost("/", CreateChannel).WithName("CreateChannel")
            .WithSummary("Creates a persistent channel: an RTSP camera (its session starts now and reconnects while the channel exists) or a " +
                "publisher channel (webrtc, rtp: its router comes with the first publisher; the publish token is returned this once).")
            .AcceptsJson<CreateChannelRequest>(Examples.CreateChannel)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        channels.MapGet("/", ListChannels).WithName("ListChannels")
            .WithSummary("Lists every channel: persistent ones (waiting publisher channels included) and routers created ad hoc (persistent false).");
        channels.MapGet("/{id}", GetChannel).WithName("GetChannel")
            .WithSummary("Gets a channel: stored settings, source state (next attempt when backing off), tracks with codec, size, frame rate and key-frame interval, warnings, HLS.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        channels.MapPut("/{id}", ReplaceChannel).WithName("ReplaceChannel")
            .WithSummary("Replaces a persistent channel's settings (the body of POST). A camera channel's session restarts with them at once; a " +
                "publisher's session goes on and new HLS settings apply from its next publish. Leave a camera's password out to keep it; a publisher " +
                "channel keeps its token unless publishToken is given (a new token is returned this once).")
            .AcceptsJson<CreateChannelRequest>(Examples.CreateChannel)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        channels.MapDelete("/{id}", DeleteChannel).WithName("DeleteChannel")
            .WithSummary("Ends a channel: removes its definition, stops its HLS (the playlist ends), tears the camera session down and closes its router.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        channels.MapPost("/{id}/publish-token", RotatePublishToken).WithName("RotatePublishToken")
            .WithSummary("Replaces a publisher channel's publish token (the given one or a random one) and returns it this once.")
            .AcceptsJson<RotatePublishTokenRequest>(Examples.RotatePublishToken)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        channels.MapGet("/{id}/hls", GetChannelHls).WithName("GetChannelHls")
            .WithSummary("Gets the state of the channel's HLS pipeline (FFmpeg process, restarts, segments).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        channels.MapGet("/{id}/thumbnail.jpg", GetThumbnail).WithName("GetChannelThumbnail")
            .WithSummary("A JPEG (at most 360 lines) of the first picture of the channel's newest HLS segment: a new one each segment, decoded once "
                + "however many ask. ETag is the segment; 503 with Retry-After until the channel has a segment.")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> GetThumbnail(string id, HttpContext http, IChannelStore store, MediaServer media, ChannelThumbnails thumbnails)
    {
        // A channel is a definition or a live router (ad-hoc channels have only the latter).
        if (media.FindRouter(id) is null && await store.FindAsync(id, http.RequestAborted) is null)
        {
            throw new NotFoundException("channel", id);
        }

        if (await thumbnails.GetAsync(id, http.RequestAborted) is not { } thumbnail)
        {
            http.Response.Headers.RetryAfter = "2";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No picture yet",
                detail: $"Channel '{id}' has no HLS segment to take a picture from yet.");
        }

        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{thumbnail.Segment}\"");
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.File(thumbnail.Jpeg, "image/jpeg", entityTag: etag);
    }

    private static async Task<Created<ChannelResponse>> CreateChannel(HttpRequest request, ChannelService channels)
    {
        var body = await JsonBody.ReadAsync<CreateChannelRequest>(request);
        var channel = await channels.CreateAsync(body, request.HttpContext.RequestAborted);
        return TypedResults.Created($"{Prefix}/{channel.Id}", channel);
    }

    private static async Task<Ok<ChannelResponse>> ReplaceChannel(string id, HttpRequest request, ChannelService channels)
    {
        var body = await JsonBody.ReadAsync<CreateChannelRequest>(request);
        return TypedResults.Ok(await channels.ReplaceAsync(id, body, request.HttpContext.RequestAborted));
    }

    private static async Task<Ok<ChannelResponse[]>> ListChannels(ChannelService channels, HttpContext http) =>
        TypedResults.Ok((await channels.ListAsync(http.RequestAborted)).ToArray());

    private static async Task<Ok<ChannelResponse>> GetChannel(string id, ChannelService channels, HttpContext http) =>
        TypedResults.Ok(await channels.GetAsync(id, http.RequestAborted));

    private static async Task<NoContent> DeleteChannel(string id, ChannelService channels, HttpContext http)
    {
        await channels.DeleteAsync(id, http.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PublishTokenResponse>> RotatePublishToken(string id, HttpRequest request, ChannelService channels)
    {
        var body = await JsonBody.ReadAsync<RotatePublishTokenRequest>(request);
        return TypedResults.Ok(await channels.RotatePublishTokenAsync(id, body.PublishToken, request.HttpContext.RequestAborted));
    }

    private static async Task<Results<Ok<HlsPipelineStatus>, ProblemHttpResult>> GetChannelHls(string id, HttpContext http)
    {
        // The pipeline registry is optional: without a transcoder registered, no channel has HLS.
        var registry = http.RequestServices.GetService<IHlsPipelineRegistry>();
        var status = registry is null ? null : await registry.GetAsync(id, http.RequestAborted);
        return status is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"Channel '{id}' has no HLS pipeline.")
            : TypedResults.Ok(status);
    }
}
