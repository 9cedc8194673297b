using System.Text.Json.Serialization;
using Broadcast.Ingest.Sources;
using Broadcast.Transcode;

namespace Broadcast.Api.Contracts;

/// <summary>
/// A channel as the admin sees it: its stored definition (persistent channels), its router, its source (an RTSP
/// camera, or publishers), the tracks that feed it, what will hurt browser playback, and its HLS output.
/// </summary>
/// <param name="Id">Channel id = router id.</param>
/// <param name="Source">"rtsp", "webrtc" or "rtp" for persistent channels; "publisher" for a router created ad hoc through the mediasoup API, WHIP or signaling.</param>
/// <param name="State">
/// Camera channels: connecting, playing, backing-off, auth-failed, unreachable, stopped (no camera session on this
/// appliance). Publisher channels: waiting (no router yet: the publisher has not come), idle (router, no producer) or publishing.
/// Either: remote (it runs on the appliance named in <paramref name="Owner"/>, which knows its live state).
/// </param>
/// <param name="CreatedAt">When the channel was defined (persistent channels) or its router created.</param>
/// <param name="Rtsp">The camera session, for camera channels.</param>
/// <param name="Tracks">Every track of the camera's description (used or not), or the publishers' producers.</param>
/// <param name="Warnings">What will make browser playback suffer, and what to change.</param>
/// <param name="Hls">The HLS output in short.</param>
/// <param name="ProducerIds">The router's producers now (new ones after each camera reconnect).</param>
/// <param name="Persistent">True for channels stored in the state store (restored at start); false for ad hoc routers.</param>
/// <param name="Settings">The stored definition of a persistent channel; null for ad hoc routers.</param>
/// <param name="PublishToken">The publish token, in the response that created or rotated it only (it is stored hashed).</param>
/// <param name="Owner">With several appliances on one database: the appliance that runs the channel (absent while nobody holds its lease, and in the embedded default).</param>
public sealed record ChannelResponse(
    string Id,
    string Source,
    string State,
    DateTimeOffset CreatedAt,
    ChannelRtspResponse? Rtsp,
    IReadOnlyList<ChannelTrackResponse> Tracks,
    IReadOnlyList<string> Warnings,
    ChannelHlsResponse? Hls,
    IReadOnlyList<string> ProducerIds,
    bool Persistent = false,
    ChannelSettingsResponse? Settings = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PublishToken = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChannelOwnerResponse? Owner = null);

/// <summary>The appliance that runs a channel.</summary>
/// <param name="Id">Its name (Cluster:ApplianceId).</param>
/// <param name="Url">Its public base URL: WHIP, WHEP, signaling and HLS requests for the channel go there (others answer 307).</param>
/// <param name="Here">It is the appliance that answered.</param>
public sealed record ChannelOwnerResponse(string Id, string Url, bool Here);

/// <summary>The camera connection; the URL never carries credentials.</summary>
public sealed record ChannelRtspResponse(
    string Url,
    string Transport,
    string? ActiveTransport,
    bool HasCredentials,
    string? AuthScheme,
    DateTimeOffset StateSince,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    long Attempts,
    long Sessions,
    DateTimeOffset? PlayingSince,
    int? SessionTimeoutSeconds,
    RtspSourceCounters Drops)
{
    public static ChannelRtspResponse From(RtspSourceStatus status) => new(
        status.Url, status.Transport, status.ActiveTransport, status.HasCredentials, status.AuthScheme, status.StateSince,
        status.NextAttemptAt, status.LastError, status.Attempts, status.Sessions, status.PlayingSince, status.SessionTimeoutSeconds,
        status.Counters);
}

/// <summary>One track: its codec and, for camera video, what was measured on the stream.</summary>
public sealed record ChannelTrackResponse(
    int Index,
    string Kind,
    string Codec,
    string? MimeType,
    int? ClockRate,
    int? Channels,
    bool Used,
    string? Ignored,
    int? Width,
    int? Height,
    double? FrameRate,
    double? KeyFrameIntervalSeconds,
    bool? BFrames,
    long Packets,
    string? ProducerId)
{
    public static ChannelTrackResponse From(TrackStatus track) => new(
        track.Index, track.Kind, track.Codec, track.MimeType, track.ClockRate, track.Channels, track.Used, track.Ignored, track.Width,
        track.Height, track.FrameRate, track.KeyFrameIntervalSeconds, track.BFrames, track.Packets, track.ProducerId);
}

/// <summary>
/// The channel's HLS output in short; GET /api/v1/channels/{id}/hls has the FFmpeg details. Muxer: "appliance" when
/// the copied media is packaged by the appliance itself (no FFmpeg runs for the channel), else "ffmpeg".
/// </summary>
public sealed record ChannelHlsResponse(string State, string PlaylistUrl, int SegmentCount, double? NewestSegmentAgeSeconds, double SegmentSeconds,
    int PlaylistSize, int Restarts, string Muxer)
{
    public static ChannelHlsResponse From(HlsPipelineStatus status) => new(
        status.State, status.PlaylistPath, status.SegmentCount, status.NewestSegmentAgeSeconds, status.SegmentSeconds, status.PlaylistSize,
        status.Restarts, status.Muxer);
}
