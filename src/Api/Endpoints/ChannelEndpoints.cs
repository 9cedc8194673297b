using Broadcast.Api.Contracts;
using Broadcast.Api.Hosting;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// Channels, the admin's view: a router plus its source (an RTSP camera, or publishers of the mediasoup API) and its
/// HLS pipeline. Camera channels are created and deleted here; every router is listed, whatever created it.
/// </summary>
public static partial class ChannelEndpoints
{
    public const string Prefix = "/api/v1/channels";

    public static IEndpointRouteBuilder MapChannelApi(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup(Prefix).WithTags("Channels").RequireCors(ApiCors.PolicyName)
            .ProducesProblem(StatusCodes.Status500InternalServerError);
        channels.MapPost("/", CreateChannel).WithName("CreateChannel")
            .WithSummary("Creates a channel fed by an RTSP camera: its router, the camera session (reconnected while the channel exists) and HLS.")
            .AcceptsJson<CreateChannelRequest>(Examples.CreateChannel)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        channels.MapGet("/", ListChannels).WithName("ListChannels")
            .WithSummary("Lists every channel: camera channels and routers created through the mediasoup API.");
        channels.MapGet("/{id}", GetChannel).WithName("GetChannel")
            .WithSummary("Gets a channel: source state (next attempt when backing off), tracks with codec, size, frame rate and key-frame interval, warnings, HLS.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        channels.MapDelete("/{id}", DeleteChannel).WithName("DeleteChannel")
            .WithSummary("Ends a channel: stops its HLS (the playlist ends), tears the camera session down and closes its router.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        channels.MapGet("/{id}/hls", GetChannelHls).WithName("GetChannelHls")
            .WithSummary("Gets the state of the channel's HLS pipeline (FFmpeg process, restarts, segments).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Created<ChannelResponse>> CreateChannel(HttpRequest request, MediaServer media, RtspSourceRegistry sources,
        IOptions<HlsOptions> hlsOptions, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<CreateChannelRequest>(request);
        if (body.Rtsp is null)
        {
            throw new InvalidFieldException("rtsp",
                "rtsp is required: channels created here are fed by a camera (publishers create routers at /api/v1/mediasoup/router).");
        }

        var settings = RtspSourceSettings.Create(body.Rtsp.Url, body.Rtsp.Transport, body.Rtsp.Username, body.Rtsp.Password);
        ValidateHls(body.Hls);
        var hls = request.HttpContext.RequestServices.GetService<IHlsPipelineRegistry>();
        RtspSource source;
        try
        {
            source = await sources.CreateAsync(body.ChannelId, settings, async router =>
            {
                if (hls is not null && body.Hls is { } channelHls)
                {
                    await hls.ConfigureAsync(router.Id, channelHls.SegmentSeconds, channelHls.PlaylistSize);
                }
            });
        }
        catch (InvalidFieldException ex) when (ex.Field == "router_id")
        {
            // The channel id is its router's id: same rules, the request's name for it.
            throw new InvalidFieldException("channel_id", ex.Message.Replace("router_id", "channel_id", StringComparison.Ordinal));
        }

        var logger = loggers.CreateLogger(ApiLog.MediasoupCategory);
        logger.ChannelCreated(source.ChannelId, settings.RedactedUrl, RtspSourceSettings.Name(settings.Transport));
        var response = await DescribeAsync(source.Router, sources, hls, hlsOptions.Value)
            ?? throw new NotFoundException("channel", source.ChannelId);
        return TypedResults.Created($"{Prefix}/{source.ChannelId}", response);
    }

    private static async Task<Ok<ChannelResponse[]>> ListChannels(MediaServer media, RtspSourceRegistry sources, IOptions<HlsOptions> hlsOptions,
        HttpContext http)
    {
        var hls = http.RequestServices.GetService<IHlsPipelineRegistry>();
        var channels = new List<ChannelResponse>();
        foreach (var router in media.Routers)
        {
            // A channel deleted while we list is simply left out.
            if (await DescribeAsync(router, sources, hls, hlsOptions.Value) is { } channel)
            {
                channels.Add(channel);
            }
        }

        return TypedResults.Ok(channels.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToArray());
    }

    private static async Task<Ok<ChannelResponse>> GetChannel(string id, MediaServer media, RtspSourceRegistry sources,
        IOptions<HlsOptions> hlsOptions, HttpContext http) =>
        TypedResults.Ok(await DescribeAsync(media.GetRouter(id), sources, http.RequestServices.GetService<IHlsPipelineRegistry>(), hlsOptions.Value)
            ?? throw new NotFoundException("channel", id));

    private static async Task<NoContent> DeleteChannel(string id, MediaServer media, ILoggerFactory loggers)
    {
        // The close cascade stops HLS first (while media flows), then the camera source (TEARDOWN), then the rest.
        await media.GetRouter(id).CloseAsync();
        loggers.CreateLogger(ApiLog.MediasoupCategory).ChannelDeleted(id);
        return TypedResults.NoContent();
    }

    private static Results<Ok<HlsPipelineStatus>, ProblemHttpResult> GetChannelHls(string id, HttpContext http)
    {
        // The pipeline registry is optional: without a transcoder registered, no channel has HLS.
        var status = http.RequestServices.GetService<IHlsPipelineRegistry>()?.Get(id);
        return status is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"Channel '{id}' has no HLS pipeline.")
            : TypedResults.Ok(status);
    }

    private static void ValidateHls(ChannelHlsRequest? hls)
    {
        if (hls?.SegmentSeconds is { } seconds && (seconds is < 0.5 or > 60 || !double.IsFinite(seconds)))
        {
            throw new InvalidFieldException("hls.segmentSeconds", "hls.segmentSeconds must be 0.5..60.");
        }

        if (hls?.PlaylistSize is < 1 or > 1000)
        {
            throw new InvalidFieldException("hls.playlistSize", "hls.playlistSize must be 1..1000.");
        }
    }
}
