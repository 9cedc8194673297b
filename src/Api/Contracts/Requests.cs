using System.Text.Json.Serialization;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Contracts;

// Request bodies of the mediasoup REST API. Ids keep the seed's snake_case names; everything else is camelCase.

/// <summary>POST /router.</summary>
public sealed record CreateRouterRequest
{
    /// <summary>Router (channel) id; default a new UUID.</summary>
    [JsonPropertyName("router_id")]
    public string? RouterId { get; init; }
}

/// <summary>POST /router/{id}/rtp-transport.</summary>
public sealed record CreatePlainTransportRequest
{
    /// <summary>Transport id; default a new UUID.</summary>
    [JsonPropertyName("transport_id")]
    public string? TransportId { get; init; }

    /// <summary>RTP and RTCP on one port. Default true.</summary>
    public bool RtcpMux { get; init; } = true;

    /// <summary>Learn the remote address from the first packet. Default false.</summary>
    public bool Comedia { get; init; }

    /// <summary>Address to bind; default Media:ListenIp.</summary>
    public string? ListenIp { get; init; }
}

/// <summary>POST /router/{id}/webrtc-transport.</summary>
public sealed record CreateWebRtcTransportRequest
{
    /// <summary>Transport id; default a new UUID.</summary>
    [JsonPropertyName("transport_id")]
    public string? TransportId { get; init; }
}

/// <summary>POST /transport/{id}/connect: ip, port and rtcpPort for plain transports; dtlsParameters for WebRTC ones.</summary>
public sealed record ConnectTransportRequest
{
    public string? Ip { get; init; }
    public int? Port { get; init; }
    public int? RtcpPort { get; init; }
    public Broadcast.Ingest.Transports.DtlsParameters? DtlsParameters { get; init; }
}

/// <summary>POST /transport/{id}/producer.</summary>
public sealed record CreateProducerRequest
{
    /// <summary>Producer id; default a new UUID.</summary>
    [JsonPropertyName("producer_id")]
    public string? ProducerId { get; init; }

    /// <summary>"audio" or "video".</summary>
    public string? Kind { get; init; }

    /// <summary>What the sender sends, with its own payload types (mediasoup's RtpSendParameters).</summary>
    public RtpParameters? RtpParameters { get; init; }

    public bool Paused { get; init; }
}

/// <summary>POST /transport/{id}/consumer.</summary>
public sealed record CreateConsumerRequest
{
    /// <summary>Consumer id; default a new UUID.</summary>
    [JsonPropertyName("consumer_id")]
    public string? ConsumerId { get; init; }

    /// <summary>The producer (on the same router) to consume.</summary>
    public string? ProducerId { get; init; }

    /// <summary>What the receiver can receive; a subset of the router's capabilities with the same payload types.</summary>
    public RtpCapabilities? RtpCapabilities { get; init; }

    public bool Paused { get; init; }
}

/// <summary>POST /api/v1/channels: a persistent channel fed by an RTSP camera or by publishers (WebRTC, plain RTP).</summary>
public sealed record CreateChannelRequest
{
    /// <summary>Channel id (also its router's id and its HLS folder); default a new UUID.</summary>
    [JsonPropertyName("channel_id")]
    public string? ChannelId { get; init; }

    /// <summary>"webrtc", "rtsp" or "rtp"; default "rtsp" when <see cref="Rtsp"/> is given, else "webrtc".</summary>
    public string? Source { get; init; }

    /// <summary>The camera, for "rtsp" channels only.</summary>
    public RtspSourceRequest? Rtsp { get; init; }

    /// <summary>HLS settings of this channel; default the configured ones.</summary>
    public ChannelHlsRequest? Hls { get; init; }

    /// <summary>How long segments are kept; default the configured retention.</summary>
    public ChannelRetentionRequest? Retention { get; init; }

    /// <summary>A router without a producer for this long releases its runtime parts, in seconds (1–604800); default the configured one.</summary>
    public int? IdleTimeoutSeconds { get; init; }

    /// <summary>
    /// Publisher channels: the token publishers present (16–512 visible ASCII characters); default a random one.
    /// Returned once in the 201 response, stored only as a hash.
    /// </summary>
    public string? PublishToken { get; init; }
}

/// <summary>POST /api/v1/channels/{id}/publish-token: a new publish token, the old one stops working.</summary>
public sealed record RotatePublishTokenRequest
{
    /// <summary>The new token (16–512 visible ASCII characters); default a random one.</summary>
    public string? PublishToken { get; init; }
}

/// <summary>An RTSP camera: its URL (credentials may be in it), how media travels, and credentials.</summary>
public sealed record RtspSourceRequest
{
    /// <summary>rtsp://[user:password@]host[:port]/path</summary>
    public string? Url { get; init; }

    /// <summary>"tcp" (default: interleaved in the RTSP connection), "udp", or "auto" (UDP, TCP when nothing arrives).</summary>
    public string? Transport { get; init; }

    /// <summary>Overrides the URL's user.</summary>
    public string? Username { get; init; }

    /// <summary>Overrides the URL's password; never shown again.</summary>
    public string? Password { get; init; }
}

/// <summary>A channel's own HLS settings.</summary>
public sealed record ChannelHlsRequest
{
    /// <summary>Target segment duration in seconds, 0.5–60; default Hls:SegmentSeconds.</summary>
    public double? SegmentSeconds { get; init; }

    /// <summary>Segments in the live playlist, 1–1000; default Hls:PlaylistSize.</summary>
    public int? PlaylistSize { get; init; }

    /// <summary>Viewers need a signed URL (HMAC with expiry) instead of the public one. Default false.</summary>
    public bool SignedUrls { get; init; }

    /// <summary>
    /// "fmp4": Low-Latency HLS (fragmented MP4 parts, blocking playlist reload; players without LL-HLS play it as
    /// ordinary HLS); "mpegts": classic HLS with MPEG-TS segments. Default Hls:Format.
    /// </summary>
    /// <example>fmp4</example>
    public string? Format { get; init; }

    /// <summary>
    /// Adaptive bitrate: the channel's ladder, made by its one FFmpeg with aligned key frames (fmp4 only); index.m3u8 then
    /// lists them. Default Hls:Renditions (none: one rendition, the source).
    /// </summary>
    public IReadOnlyList<ChannelRenditionRequest>? Renditions { get; init; }
}

/// <summary>One rung of a channel's ladder.</summary>
public sealed record ChannelRenditionRequest
{
    /// <summary>Its media playlist's name: 1-32 letters, digits, '-' or '_'.</summary>
    /// <example>480p</example>
    public string Name { get; init; } = "";

    /// <summary>The source copied (H.264 sources): no height or bitrate.</summary>
    public bool Copy { get; init; }

    /// <summary>Height of an encoded rung, even, 144-2160.</summary>
    /// <example>480</example>
    public int Height { get; init; }

    /// <summary>H.264 bitrate of an encoded rung, kbit/s, 100-50000.</summary>
    /// <example>1400</example>
    public int VideoKbps { get; init; }
}

/// <summary>A channel's own retention.</summary>
public sealed record ChannelRetentionRequest
{
    /// <summary>Segments older than this many seconds (and out of the live playlist) are deleted; default the configured age.</summary>
    public long? MaxAgeSeconds { get; init; }

    /// <summary>The channel's folder is kept under this many bytes, oldest segments first; default the configured quota.</summary>
    public long? MaxBytes { get; init; }
}
