namespace Broadcast.Api.Jobs;

/// <summary>The recurring jobs' log messages; event ids 1300–1399.</summary>
internal static partial class JobLog
{
    public const string Category = "Broadcast.Api.Jobs";

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information,
        Message = "Jobs: Hangfire on {Storage} as host {HostName}; cleanup '{CleanupCron}', segment retention '{RetentionCron}' ({Scope}), dashboard at /hangfire")]
    public static partial void JobsStarted(this ILogger logger, string storage, string hostName, string cleanupCron, string retentionCron, RetentionScope scope);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Segment retention: {Deleted} segments ({Bytes} bytes) deleted of {Scanned} in {Channels} channels, {Gone} already gone, in {ElapsedMs} ms")]
    public static partial void RetentionRan(this ILogger logger, int deleted, long bytes, int scanned, int channels, int gone, double elapsedMs);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Cleanup: {Summary}")]
    public static partial void CleanupRan(this ILogger logger, string summary);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Cleanup could not release {Target} of channel {ChannelId}")]
    public static partial void CleanupStepFailed(this ILogger logger, Exception exception, string target, string? channelId);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "Removed the recurring job {JobId} of host {HostName}, which no longer runs")]
    public static partial void StaleHostJobRemoved(this ILogger logger, string jobId, string hostName);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Could not register the recurring jobs of host {HostName} again; the next attempt is in 5 minutes")]
    public static partial void JobRegistrationFailed(this ILogger logger, Exception exception, string hostName);
}
