using Broadcast.Transcode;
using Broadcast.Api.State;

namespace Broadcast.Api.Contracts;

/// <summary>What is stored for a persistent channel. Never a password or a publish token.</summary>
/// <param name="Hls">The channel's HLS profile (null members: the configured defaults).</param>
/// <param name="Retention">How long its segments are kept (null members: the configured defaults).</param>
/// <param name="IdleTimeoutSeconds">A router without a producer for this long releases its runtime parts; null: the configured default.</param>
/// <param name="HasPublishToken">Publishers must present a token.</param>
/// <param name="Rtsp">The camera of an RTSP channel: URL without credentials, transport, whether credentials are stored.</param>
/// <param name="UpdatedAt">When the definition last changed.</param>
public sealed record ChannelSettingsResponse(
    ChannelHlsSettingsResponse Hls,
    ChannelRetentionResponse Retention,
    int? IdleTimeoutSeconds,
    bool HasPublishToken,
    ChannelCameraResponse? Rtsp,
    DateTimeOffset UpdatedAt)
{
    public static ChannelSettingsResponse From(ChannelDefinition channel) => new(
        new ChannelHlsSettingsResponse(channel.Hls.SegmentSeconds, channel.Hls.PlaylistSize, channel.Hls.SignedUrls,
            channel.Hls.Format is { } format ? HlsFormats.Name(format) : null,
            channel.Hls.Renditions is null ? null : [.. HlsRendition.ParseText(channel.Hls.Renditions).Select(r => new ChannelRenditionRequest
            {
                Name = r.Name, Copy = r.Copy, Height = r.Height, VideoKbps = r.VideoKbps,
            })]),
        new ChannelRetentionResponse(
            channel.Retention.MaxAge is { } age ? (long)Math.Ceiling(age.TotalSeconds) : null,
            channel.Retention.QuotaBytes),
        channel.IdleTimeout is { } idle ? (int)Math.Ceiling(idle.TotalSeconds) : null,
        channel.PublishTokenHash is not null,
        channel.Rtsp is { } rtsp ? new ChannelCameraResponse(rtsp.Url, rtsp.Transport, rtsp.Username is not null) : null,
        channel.UpdatedAt);
}

/// <summary>A stored HLS profile.</summary>
public sealed record ChannelHlsSettingsResponse(double? SegmentSeconds, int? PlaylistSize, bool SignedUrls, string? Format = null,
    IReadOnlyList<ChannelRenditionRequest>? Renditions = null);

/// <summary>A stored retention.</summary>
public sealed record ChannelRetentionResponse(long? MaxAgeSeconds, long? MaxBytes);

/// <summary>A stored camera; the URL never carries credentials.</summary>
public sealed record ChannelCameraResponse(string Url, string Transport, bool HasCredentials);

/// <summary>POST /api/v1/channels/{id}/publish-token: the new token, shown this once.</summary>
public sealed record PublishTokenResponse(string ChannelId, string PublishToken);
