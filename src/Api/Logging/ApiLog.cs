namespace Broadcast.Api.Logging;

/// <summary>The host's log messages. Event ids are stable (1000–1099) so that alerts and dashboards can rely on them.</summary>
internal static partial class ApiLog
{
    /// <summary>Category of the REST API's messages.</summary>
    public const string MediasoupCategory = "Broadcast.Api.Mediasoup";

    /// <summary>Category of HLS file serving.</summary>
    public const string HlsCategory = "Broadcast.Api.Hls";

    private static readonly Func<ILogger, string, string?, IDisposable?> ChannelScope =
        LoggerMessage.DefineScope<string, string?>("Channel {ChannelId} transport {TransportId}");

    /// <summary>Names the channel (router) and, when known, the transport in every message logged within.</summary>
    public static IDisposable? BeginChannelScope(this ILogger logger, string channelId, string? transportId = null) =>
        ChannelScope(logger, channelId, transportId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Router {RouterId} created on worker {WorkerIndex}")]
    public static partial void RouterCreated(this ILogger logger, string routerId, int workerIndex);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Router {RouterId} closed")]
    public static partial void RouterClosed(this ILogger logger, string routerId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Plain transport {TransportId} created on port {LocalPort} (comedia {Comedia}, rtcpMux {RtcpMux})")]
    public static partial void PlainTransportCreated(this ILogger logger, string transportId, int localPort, bool comedia, bool rtcpMux);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Transport {TransportId} connected to {RemoteIp}:{RemotePort}")]
    public static partial void TransportConnected(this ILogger logger, string transportId, string? remoteIp, int? remotePort);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Transport {TransportId} closed")]
    public static partial void TransportClosed(this ILogger logger, string transportId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Producer {ProducerId} ({Kind} {MimeType}) created")]
    public static partial void ProducerCreated(this ILogger logger, string producerId, string kind, string mimeType);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Producer {ProducerId} closed")]
    public static partial void ProducerClosed(this ILogger logger, string producerId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Consumer {ConsumerId} of producer {ProducerId} created (paused {Paused})")]
    public static partial void ConsumerCreated(this ILogger logger, string consumerId, string producerId, bool paused);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Consumer {ConsumerId} closed")]
    public static partial void ConsumerClosed(this ILogger logger, string consumerId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Channel {ChannelId} created for camera {Url} ({Transport})")]
    public static partial void ChannelCreated(this ILogger logger, string channelId, string url, string transport);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Channel {ChannelId} deleted")]
    public static partial void ChannelDeleted(this ILogger logger, string channelId);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Information, Message = "Channel {ChannelId} ({Source}) created; appliance {Owner} owns it")]
    public static partial void ChannelPlaced(this ILogger logger, string channelId, string source, string owner);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Channel {ChannelId} replaced ({Source})")]
    public static partial void ChannelReplaced(this ILogger logger, string channelId, string source);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Channel {ChannelId} defined for {Source} publishers; its router comes with the first publisher")]
    public static partial void PublisherChannelDefined(this ILogger logger, string channelId, string source);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Channel {ChannelId}: publish token replaced")]
    public static partial void PublishTokenRotated(this ILogger logger, string channelId);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information,
        Message = "Restored {Channels} channels in {ElapsedMs:F0} ms: {Cameras} cameras connecting, {Publishers} publisher channels waiting, {Failed} failed")]
    public static partial void ChannelsRestored(this ILogger logger, int channels, int cameras, int publishers, int failed, double elapsedMs);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "Channel {ChannelId} could not be restored")]
    public static partial void ChannelRestoreFailed(this ILogger logger, Exception exception, string channelId);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug, Message = "{Method} {Path} rejected with {Status}: {Detail}")]
    public static partial void RequestRejected(this ILogger logger, string method, string path, int status, string detail);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    public static partial void RequestFailed(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information,
        Message = "Media server started: {Workers} workers, UDP ports {MinPort}-{MaxPort}, announcing {AdvertisedIp} to peers (MEDIASOUP_ANNOUNCED_IP changes it)")]
    public static partial void MediaServerStarted(this ILogger logger, int workers, int minPort, int maxPort, string advertisedIp);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Media server stopping: closing {Routers} routers")]
    public static partial void MediaServerStopping(this ILogger logger, int routers);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Error, Message = "A work item failed on media worker {WorkerIndex}")]
    public static partial void WorkerItemFailed(this ILogger logger, Exception exception, int workerIndex);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Debug, Message = "HLS request for channel {ChannelId} file {File} refused: {Reason}")]
    public static partial void HlsRequestRefused(this ILogger logger, string channelId, string file, string reason);
}
