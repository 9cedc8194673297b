namespace Broadcast.Api.State;

/// <summary>Where a channel's media comes from.</summary>
public enum ChannelSource
{
    /// <summary>A WebRTC publisher: the publisher page (mediasoup-client) or a WHIP client such as OBS.</summary>
    WebRtc,

    /// <summary>An RTSP camera that the appliance pulls and reconnects while the channel exists.</summary>
    Rtsp,

    /// <summary>Plain RTP from FFmpeg or GStreamer through the mediasoup REST routes.</summary>
    Rtp,
}

/// <summary>The camera of an RTSP channel. In memory the password is clear; stores encrypt it at rest.</summary>
/// <param name="Url">rtsp:// URL without credentials.</param>
/// <param name="Transport">"tcp", "udp" or "auto".</param>
/// <param name="Username">User name, or null.</param>
/// <param name="Password">Password, or null; never logged or returned.</param>
/// <param name="CredentialsError">Why the stored credentials could not be read (another appliance's key): the camera cannot
/// start until they are entered again (PUT) or the right key is configured. Null when they were read.</param>
public sealed record RtspSourceDefinition(string Url, string Transport, string? Username, string? Password, string? CredentialsError = null)
{
    /// <summary>Never the credentials: a definition may end up in a log line, an exception or a test failure.</summary>
    public override string ToString() =>
        $"RtspSourceDefinition {{ Url = {Url}, Transport = {Transport}, Username = {Redacted(Username)}, Password = {Redacted(Password)} }}";

    private static string Redacted(string? secret) => secret is null ? "null" : "(set)";
}

/// <summary>A channel's HLS settings; null members take the configured defaults.</summary>
/// <param name="SegmentSeconds">Target segment duration.</param>
/// <param name="PlaylistSize">Segments in the live playlist.</param>
/// <param name="SignedUrls">Viewers need a signed URL (HMAC with expiry) instead of the public one.</param>
/// <param name="Format">Low-Latency fMP4 or classic MPEG-TS segments.</param>
/// <param name="Renditions">The channel's own bitrate ladder as one line (<see cref="Broadcast.Transcode.HlsRendition.ToText"/>), so
/// that definitions compare by value; null takes Hls:Renditions.</param>
public sealed record ChannelHlsProfile(double? SegmentSeconds = null, int? PlaylistSize = null, bool SignedUrls = false,
    Broadcast.Transcode.HlsSegmentFormat? Format = null, string? Renditions = null)
{
    public static ChannelHlsProfile Default { get; } = new();
}

/// <summary>The names of <see cref="Broadcast.Transcode.HlsSegmentFormat"/> in requests, responses and the database.</summary>
public static class HlsFormats
{
    public const string Fmp4 = "fmp4";
    public const string MpegTs = "mpegts";

    public static string Name(Broadcast.Transcode.HlsSegmentFormat format) =>
        format == Broadcast.Transcode.HlsSegmentFormat.MpegTs ? MpegTs : Fmp4;

    /// <summary>The format named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static Broadcast.Transcode.HlsSegmentFormat? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        Fmp4 => Broadcast.Transcode.HlsSegmentFormat.Fmp4,
        MpegTs => Broadcast.Transcode.HlsSegmentFormat.MpegTs,
        _ => null,
    };
}

/// <summary>How long a channel keeps segments; null members take the configured defaults.</summary>
/// <param name="MaxAge">Segments older than this (and out of the live playlist) are deleted.</param>
/// <param name="QuotaBytes">The channel's folder is kept under this many bytes, oldest first.</param>
public sealed record ChannelRetentionSettings(TimeSpan? MaxAge = null, long? QuotaBytes = null)
{
    public static ChannelRetentionSettings Default { get; } = new();
}

/// <summary>
/// A persistent channel: what survives a restart. The runtime parts (router, camera session, FFmpeg) are rebuilt
/// from it: RTSP channels reconnect at start, publisher channels get their router when a publisher arrives.
/// </summary>
/// <param name="Id">Channel id: its router's id and its HLS folder name.</param>
/// <param name="Source">Where media comes from.</param>
/// <param name="Rtsp">The camera, for <see cref="ChannelSource.Rtsp"/> only.</param>
/// <param name="Hls">HLS profile.</param>
/// <param name="Retention">Segment retention.</param>
/// <param name="IdleTimeout">A router with no producer for this long releases its runtime parts; null: the configured default.</param>
/// <param name="PublishTokenHash">SHA-256 of the publish token (see <see cref="PublishToken"/>), or null when publishing needs none.</param>
/// <param name="CreatedAt">When it was defined.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ChannelDefinition(
    string Id,
    ChannelSource Source,
    RtspSourceDefinition? Rtsp,
    ChannelHlsProfile Hls,
    ChannelRetentionSettings Retention,
    TimeSpan? IdleTimeout,
    string? PublishTokenHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The part of a channel's definition that access checks read (<see cref="IChannelStore.FindAccessAsync"/>).</summary>
/// <param name="Source">Where media comes from: only publisher sources take publish tokens.</param>
/// <param name="SignedHls">Viewers need signed URLs (<see cref="ChannelHlsProfile.SignedUrls"/>).</param>
/// <param name="PublishTokenHash">SHA-256 of the publish token, or null.</param>
public sealed record ChannelAccess(ChannelSource Source, bool SignedHls, string? PublishTokenHash)
{
    public static ChannelAccess Of(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return new ChannelAccess(channel.Source, channel.Hls.SignedUrls, channel.PublishTokenHash);
    }
}

/// <summary>The names of <see cref="ChannelSource"/> in the API and the database: "webrtc", "rtsp", "rtp".</summary>
public static class ChannelSources
{
    public static string Name(ChannelSource source) => source switch
    {
        ChannelSource.Rtsp => "rtsp",
        ChannelSource.Rtp => "rtp",
        _ => "webrtc",
    };

    public static bool TryParse(string? name, out ChannelSource source)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "webrtc":
                source = ChannelSource.WebRtc;
                return true;
            case "rtsp":
                source = ChannelSource.Rtsp;
                return true;
            case "rtp":
                source = ChannelSource.Rtp;
                return true;
            default:
                source = default;
                return false;
        }
    }

    /// <summary>True for channels fed by publishers (WebRTC or plain RTP), which carry a publish token.</summary>
    public static bool IsPublisher(this ChannelSource source) => source is ChannelSource.WebRtc or ChannelSource.Rtp;
}
