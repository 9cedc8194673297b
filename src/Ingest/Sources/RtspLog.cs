using Microsoft.Extensions.Logging;

namespace Broadcast.Ingest.Sources;

/// <summary>RTSP camera sources' log messages, event ids 2000–2099. URLs are logged without credentials.</summary>
internal static partial class RtspLog
{
    public const string Category = "Broadcast.Ingest.Rtsp";

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Channel {ChannelId}: RTSP source {Url} started")]
    public static partial void SourceStarted(this ILogger logger, string channelId, string url);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Channel {ChannelId}: connecting to {Url} (attempt {Attempt}, {Transport})")]
    public static partial void Connecting(this ILogger logger, string channelId, string url, long attempt, string transport);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Channel {ChannelId}: playing {Tracks} over {Transport}, session timeout {Timeout} s")]
    public static partial void Playing(this ILogger logger, string channelId, string tracks, string transport, int timeout);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Channel {ChannelId}: {State}: {Reason} Next attempt in {Seconds:0.#} s.")]
    public static partial void SessionEnded(this ILogger logger, string channelId, string state, string reason, double seconds);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Channel {ChannelId}: no RTP over UDP within {Seconds:0.#} s, switching to TCP")]
    public static partial void FallingBackToTcp(this ILogger logger, string channelId, double seconds);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Channel {ChannelId}: redirected to {Url}")]
    public static partial void Redirected(this ILogger logger, string channelId, string url);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Channel {ChannelId}: track {Index} ({Kind} {Codec}) ignored: {Reason}")]
    public static partial void TrackIgnored(this ILogger logger, string channelId, int index, string kind, string codec, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Channel {ChannelId}: RTSP source stopped")]
    public static partial void SourceStopped(this ILogger logger, string channelId);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Channel {ChannelId}: RTSP session failed unexpectedly")]
    public static partial void SessionCrashed(this ILogger logger, string channelId, Exception exception);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Debug, Message = "Channel {ChannelId}: keep-alive {Method} answered {Status}")]
    public static partial void KeepAlive(this ILogger logger, string channelId, string method, int status);
}
