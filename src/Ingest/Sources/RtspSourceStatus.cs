namespace Broadcast.Ingest.Sources;

/// <summary>Where a camera source is in its life.</summary>
public enum RtspSourceState
{
    /// <summary>Connecting, describing, setting up: a session is being established.</summary>
    Connecting,

    /// <summary>The camera plays and media flows into the channel's router.</summary>
    Playing,

    /// <summary>The last session failed or ended; the next attempt is at <see cref="RtspSourceStatus.NextAttemptAt"/>.</summary>
    BackingOff,

    /// <summary>The camera refused the credentials; retried, but rarely.</summary>
    AuthFailed,

    /// <summary>No connection to the camera (refused, timed out, unknown host); retried with backoff.</summary>
    Unreachable,

    /// <summary>The channel was deleted.</summary>
    Stopped,
}

/// <summary>A camera source as the API shows it; no credentials.</summary>
public sealed record RtspSourceStatus(
    string ChannelId,
    string Url,
    string Transport,
    string? ActiveTransport,
    bool HasCredentials,
    string? AuthScheme,
    RtspSourceState State,
    DateTimeOffset StateSince,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    long Attempts,
    long Sessions,
    DateTimeOffset? PlayingSince,
    int? SessionTimeoutSeconds,
    IReadOnlyList<TrackStatus> Tracks,
    RtspSourceCounters Counters);

/// <summary>What the session's transport dropped: the interleaved queue was full, unknown channels, UDP from elsewhere.</summary>
public sealed record RtspSourceCounters(long DroppedQueueFull, long DroppedUnknownChannel, long DroppedUnknownSource, long ReceiverReportsSent,
    long BytesSkipped);
