using Broadcast.Api.Hosting;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>Channel-level views: a channel is a router and, once it has media, its HLS pipeline.</summary>
public static class ChannelEndpoints
{
    public static IEndpointRouteBuilder MapChannelApi(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/api/v1/channels").WithTags("Channels").RequireCors(ApiCors.PolicyName);
        channels.MapGet("/{id}/hls", GetChannelHls).WithName("GetChannelHls")
            .WithSummary("Gets the state of the channel's HLS pipeline (FFmpeg process, restarts, segments).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
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
}
