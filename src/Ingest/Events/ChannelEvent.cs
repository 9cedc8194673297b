namespace Broadcast.Ingest.Events;

/// <summary>Something that happened to a channel, as operators are told about it (webhooks).</summary>
/// <param name="Type">One of <see cref="ChannelEventTypes"/>.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="At">When it happened.</param>
/// <param name="Details">What else there is to say, by name (state, previous state, error, exit code, restarts...).</param>
public sealed record ChannelEvent(string Type, string ChannelId, DateTimeOffset At, IReadOnlyDictionary<string, string?> Details);

/// <summary>The events channels raise.</summary>
public static class ChannelEventTypes
{
    public const string ChannelCreated = "channel.created";
    public const string ChannelDeleted = "channel.deleted";
    public const string PublisherConnected = "publisher.connected";
    public const string PublisherGone = "publisher.gone";
    public const string CameraStateChanged = "camera.state-changed";
    public const string FfmpegRestarted = "ffmpeg.restarted";
    public const string FfmpegFailing = "ffmpeg.failing";

    public static IReadOnlyList<string> All { get; } =
        [ChannelCreated, ChannelDeleted, PublisherConnected, PublisherGone, CameraStateChanged, FfmpegRestarted, FfmpegFailing];
}

/// <summary>Where channel events go. Publish must return at once: it is called on worker loops and session loops.</summary>
public interface IChannelEventSink
{
    void Publish(ChannelEvent channelEvent);
}
