using System.Globalization;
using Broadcast.Api.Http;
using Broadcast.Api.Security;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>POST /api/v1/channels/{id}/hls-url: a signed viewer URL of a channel's HLS playlist (admin).</summary>
public static class ChannelHlsUrlEndpoints
{
    public const int DefaultTtlSeconds = 3600;
    public const int MaxTtlSeconds = 7 * 24 * 3600;

    private const string Example = """{ "ttlSeconds": 3600 }""";

    public static IEndpointRouteBuilder MapChannelHlsUrl(this IEndpointRouteBuilder app)
    {
        app.MapPost($"{ChannelEndpoints.Prefix}/{{id}}/hls-url", CreateHlsUrl).WithName("CreateChannelHlsUrl").WithTags("Channels")
            .WithSummary("Signs a URL of the channel's HLS playlist, valid for ttlSeconds (default 3600, at most 7 days); required by channels with signed URLs, accepted by every channel.")
            .RequireCors(ApiCors.PolicyName)
            .AcceptsJson<CreateHlsUrlRequest>(Example)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<HlsUrlResponse>> CreateHlsUrl(string id, HttpRequest request, IChannelStore channels, MediaServer media,
        HlsUrlSigner signer, TimeProvider time)
    {
        var body = await JsonBody.ReadAsync<CreateHlsUrlRequest>(request);
        var ttl = body.TtlSeconds ?? DefaultTtlSeconds;
        if (ttl is < 1 or > MaxTtlSeconds)
        {
            throw new InvalidFieldException("ttlSeconds", $"ttlSeconds must be 1..{MaxTtlSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        // A channel is a definition or a live router (ad-hoc channels have only the latter).
        if (await channels.FindAsync(id, request.HttpContext.RequestAborted) is null && !media.Routers.Any(r => r.Id == id))
        {
            throw new NotFoundException("channel", id);
        }

        var expiresAt = time.GetUtcNow().AddSeconds(ttl);
        var expires = expiresAt.ToUnixTimeSeconds();
        var path = $"/hls/{Uri.EscapeDataString(id)}/index.m3u8?{signer.Query(id, expires)}";
        return TypedResults.Ok(new HlsUrlResponse($"{request.Scheme}://{request.Host}{path}", path, expires,
            DateTimeOffset.FromUnixTimeSeconds(expires)));
    }
}

/// <summary>POST /api/v1/channels/{id}/hls-url.</summary>
public sealed record CreateHlsUrlRequest
{
    /// <summary>How long the URL stays valid, in seconds: 1..604800 (7 days). Default 3600.</summary>
    public int? TtlSeconds { get; init; }
}

/// <summary>A signed HLS URL: the playlist, its variants and segments open with its query until it expires.</summary>
/// <param name="Url">Absolute URL, built from the request's scheme and host.</param>
/// <param name="Path">The same, from /hls on (for another host name or a proxy).</param>
/// <param name="Expires">Expiry, unix seconds (the URL's expires parameter).</param>
/// <param name="ExpiresAt">Expiry as a date.</param>
public sealed record HlsUrlResponse(string Url, string Path, long Expires, DateTimeOffset ExpiresAt);
