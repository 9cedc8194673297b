namespace Broadcast.Api.Security;

/// <summary>
/// Access control's log messages, event ids 1200–1299. Secrets (JWT secret, API keys, publish tokens, URL signatures)
/// are never arguments: messages name paths, statuses, counts and where keys come from.
/// </summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning,
        Message = "No admin credentials configured (JWT_SECRET, API_KEYS): admin routes (mediasoup REST, channels, stats, Hangfire) answer loopback clients only, and anyone may publish to channels without a definition. Set JWT_SECRET or API_KEYS before exposing the appliance.")]
    public static partial void OpenDefault(this ILogger logger);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "Admin credentials: JWT bearer {JwtConfigured}, {ApiKeyCount} API keys")]
    public static partial void AdminCredentials(this ILogger logger, bool jwtConfigured, int apiKeyCount);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Signed HLS URLs use {KeySource}")]
    public static partial void HlsSigningKey(this ILogger logger, string keySource);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information,
        Message = "Rate limits per client address: {RequestsPerSecond} API requests/s, {WhipPerMinute} WHIP offers/min (0 = no limit)")]
    public static partial void RateLimits(this ILogger logger, int requestsPerSecond, int whipPerMinute);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Debug, Message = "{Method} {Path} refused with {Status}: {Reason}")]
    public static partial void AccessRefused(this ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Debug, Message = "HLS request for channel {ChannelId} refused: {Reason}")]
    public static partial void HlsAccessRefused(this ILogger logger, string channelId, string reason);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Debug, Message = "{Method} {Path} rate limited ({Limiter})")]
    public static partial void RateLimited(this ILogger logger, string method, string path, string limiter);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning,
        Message = "The channel store failed an HLS access check: viewers get each channel's last known answer, 503 for channels not seen before, until it answers again")]
    public static partial void HlsStoreFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Information, Message = "The channel store answers HLS access checks again")]
    public static partial void HlsStoreAnswersAgain(this ILogger logger);
}
