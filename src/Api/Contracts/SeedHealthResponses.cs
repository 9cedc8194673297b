using Broadcast.Api.Channels;

namespace Broadcast.Api.Contracts;

/// <summary>The seeds' envelope ("MediaSoup WebRTC Endpoints Reference"): success and the data.</summary>
public sealed record Envelope<T>(bool Success, T Data);

/// <summary>GET /health (seed "Mediasoup Service"): liveness with the time, uptime and worker count.</summary>
/// <param name="Status">"ok", or "unhealthy" when a worker loop does not answer within 2 s (then 503).</param>
/// <param name="Timestamp">The appliance's time.</param>
/// <param name="UptimeSeconds">Since the media plane started.</param>
/// <param name="Workers">Worker loops.</param>
public sealed record ServiceHealthResponse(string Status, DateTimeOffset Timestamp, double UptimeSeconds, int Workers);

/// <summary>Aggregate rates of the live channels, from their last activity interval.</summary>
public sealed record Bandwidth(double InKbps, double OutKbps);

/// <summary>The media objects live on this appliance.</summary>
public sealed record MediaCounts(int Channels, int Routers, int Transports, int Producers, int Consumers, int RealTimeViewers);

/// <summary>GET /stats (seed "Mediasoup Service"): workers with their loop lag, media objects, bandwidth, memory, uptime.</summary>
public sealed record ServiceStatsResponse(IReadOnlyList<WorkerLoadResponse> Workers, MediaCounts Media, Bandwidth Bandwidth, MemoryStats Memory,
    double UptimeSeconds);

/// <summary>One worker loop: channels on it, items executed, how long an item just posted waited (ms; null: no answer in 2 s).</summary>
public sealed record WorkerLoadResponse(int Index, int Routers, long ExecutedItems, double? LagMs);

/// <summary>GET /api/health/webrtc: the real-time plane's health in the seed's envelope.</summary>
/// <param name="Status">"healthy", or "unhealthy" when a worker loop does not answer within 2 s (then 503).</param>
/// <param name="Timestamp">The appliance's time.</param>
/// <param name="Workers">Worker loops, and how many answered.</param>
/// <param name="LiveChannels">Channels with a router here.</param>
/// <param name="Producers">Tracks received.</param>
/// <param name="Consumers">Tracks sent: to real-time viewers and to the HLS pipelines.</param>
/// <param name="RealTimeViewers">WebRTC viewers.</param>
/// <param name="Bandwidth">Over the last activity interval (5 s).</param>
public sealed record WebRtcHealthResponse(string Status, DateTimeOffset Timestamp, WorkerHealth Workers, int LiveChannels, int Producers, int Consumers,
    int RealTimeViewers, Bandwidth Bandwidth);

/// <summary>Worker loops in all and those that answered.</summary>
public sealed record WorkerHealth(int Total, int Healthy);

/// <summary>GET /api/webrtc/channels/{id}/stats: one live channel's producers, viewers, rates and the last minutes.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Producers">Its tracks with what they received.</param>
/// <param name="Consumers">Consumers on the channel (real-time viewers' tracks and the HLS pipeline's own).</param>
/// <param name="RealTimeViewers">WebRTC viewers.</param>
/// <param name="HlsViewers">HLS viewers: distinct clients (address and User-Agent) that loaded a playlist in the last 15 s.</param>
/// <param name="Bandwidth">Rates over the last activity interval (5 s).</param>
/// <param name="FramesPerSecond">Video pictures received per second over that interval.</param>
/// <param name="History">The last minutes, one point per interval, oldest first.</param>
public sealed record ChannelLiveStatsResponse(string ChannelId, IReadOnlyList<ProducerLiveStats> Producers, int Consumers, int RealTimeViewers,
    int HlsViewers, Bandwidth Bandwidth, double FramesPerSecond, IReadOnlyList<ActivityPoint> History);

/// <summary>One producer of a live channel.</summary>
public sealed record ProducerLiveStats(string Id, string Kind, string MimeType, bool Paused, long Packets, long Bytes, long PacketsLost, long KeyFrames);
