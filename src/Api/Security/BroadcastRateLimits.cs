using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// ASP.NET's rate limiter with one token bucket per client address and kind of request: WHIP offers
/// (<see cref="RateLimitOptions.WhipPerMinute"/>, refilled one at a time), WHEP offers
/// (<see cref="RateLimitOptions.WhepPerMinute"/>, as the draft asks of POST) and everything under /api
/// (<see cref="RateLimitOptions.RequestsPerSecond"/>). HLS, health, pages and Swagger are not limited (viewers often
/// share an address). A rejected request gets 429 with Retry-After and problem details.
/// </summary>
public sealed class BroadcastRateLimits(IOptions<RateLimitOptions> limits) : IConfigureOptions<RateLimiterOptions>
{
    public const string WhipLimiter = "whip";
    public const string WhepLimiter = "whep";
    public const string ApiLimiter = "api";

    public void Configure(RateLimiterOptions options)
    {
        var settings = limits.Value;
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = OnRejectedAsync;
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, settings));
    }

    /// <summary>Which limiter a request counts against: "whip", "whep", "api" or none.</summary>
    public static string? LimiterOf(HttpRequest request, RateLimitOptions settings)
    {
        if (settings.WhipPerMinute > 0 && HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/whip"))
        {
            return WhipLimiter;
        }

        if (settings.WhepPerMinute > 0 && HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/whep"))
        {
            return WhepLimiter;
        }

        return settings.RequestsPerSecond > 0 && request.Path.StartsWithSegments("/api") ? ApiLimiter : null;
    }

    private static RateLimitPartition<string> Partition(HttpContext http, RateLimitOptions settings)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return LimiterOf(http.Request, settings) switch
        {
            WhipLimiter => RateLimitPartition.GetTokenBucketLimiter($"{WhipLimiter} {client}", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.WhipPerMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) / settings.WhipPerMinute,
                QueueLimit = 0,
                AutoReplenishment = true,
            }),
            WhepLimiter => RateLimitPartition.GetTokenBucketLimiter($"{WhepLimiter} {client}", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.WhepPerMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) / settings.WhepPerMinute,
                QueueLimit = 0,
                AutoReplenishment = true,
            }),
            ApiLimiter => RateLimitPartition.GetTokenBucketLimiter($"{ApiLimiter} {client}", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.RequestsPerSecond,
                TokensPerPeriod = settings.RequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }),
            _ => RateLimitPartition.GetNoLimiter(""),
        };
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        var settings = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var limiter = LimiterOf(http.Request, settings) ?? "global";
        http.RequestServices.GetRequiredService<ILogger<BroadcastRateLimits>>().RateLimited(http.Request.Method, http.Request.Path, limiter);

        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = limiter switch
        {
            WhipLimiter => $"At most {settings.WhipPerMinute} WHIP offers a minute per client address (Api:RateLimit:WhipPerMinute). Retry after {seconds} s.",
            WhepLimiter => $"At most {settings.WhepPerMinute} WHEP offers a minute per client address (Api:RateLimit:WhepPerMinute). Retry after {seconds} s.",
            _ => $"At most {settings.RequestsPerSecond} API requests a second per client address (Api:RateLimit:RequestsPerSecond). Retry after {seconds} s.",
        };
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail },
        });
    }
}
