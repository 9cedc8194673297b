using Broadcast.Transcode;
using Broadcast.Api.Contracts;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;

namespace Broadcast.Api.Channels;

/// <summary>A channel read from a request: its definition, its camera (RTSP channels) and its publish token in clear (publisher channels).</summary>
/// <param name="Definition">What is stored.</param>
/// <param name="Camera">The validated camera settings of an RTSP channel, else null.</param>
/// <param name="PublishToken">The token to show once, for publisher channels; else null.</param>
public sealed record NewChannel(ChannelDefinition Definition, RtspSourceSettings? Camera, string? PublishToken);

/// <summary>
/// Turns POST /api/v1/channels bodies into channel definitions, naming the bad field of a bad body
/// (<see cref="InvalidFieldException"/>); never echoes a password or token. Pure: no store, no media.
/// </summary>
public static class ChannelRequestReader
{
    public const int MinPublishTokenLength = 16;
    public const int MaxPublishTokenLength = 512;
    public const int MaxIdleTimeoutSeconds = 7 * 24 * 3600;

    public static NewChannel Read(CreateChannelRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.ChannelId ?? Guid.NewGuid().ToString();
        CheckId(id);
        ChannelSource source;
        if (request.Source is null)
        {
            source = request.Rtsp is null ? ChannelSource.WebRtc : ChannelSource.Rtsp;
        }
        else if (!ChannelSources.TryParse(request.Source, out source))
        {
            throw new InvalidFieldException("source", "source must be \"webrtc\", \"rtsp\" or \"rtp\".");
        }

        RtspSourceSettings? camera = null;
        if (source == ChannelSource.Rtsp)
        {
            if (request.Rtsp is not { } rtsp)
            {
                throw new InvalidFieldException("rtsp", "rtsp is required for an RTSP channel: { \"url\", \"transport\"?, \"username\"?, \"password\"? }.");
            }

            camera = RtspSourceSettings.Create(rtsp.Url, rtsp.Transport, rtsp.Username, rtsp.Password);
            if (request.PublishToken is not null)
            {
                throw new InvalidFieldException("publishToken", "publishToken is for publisher channels (webrtc, rtp); an RTSP channel takes no publishers.");
            }
        }
        else if (request.Rtsp is not null)
        {
            throw new InvalidFieldException("rtsp", $"rtsp is for RTSP channels only; a {ChannelSources.Name(source)} channel is fed by publishers.");
        }

        var hls = ReadHls(request.Hls);
        var retention = ReadRetention(request.Retention);
        if (request.IdleTimeoutSeconds is < 1 or > MaxIdleTimeoutSeconds)
        {
            throw new InvalidFieldException("idleTimeoutSeconds", $"idleTimeoutSeconds must be 1..{MaxIdleTimeoutSeconds}.");
        }

        var token = source.IsPublisher() ? ReadPublishToken(request.PublishToken, "publishToken") : null;
        var at = ToDatabasePrecision(now);
        var definition = new ChannelDefinition(
            id,
            source,
            camera is null ? null : new RtspSourceDefinition(camera.RedactedUrl, RtspSourceSettings.Name(camera.Transport), camera.Username, camera.Password),
            hls,
            retention,
            request.IdleTimeoutSeconds is { } idle ? TimeSpan.FromSeconds(idle) : null,
            token is null ? null : PublishToken.Hash(token),
            at,
            at);
        return new NewChannel(definition, camera, token);
    }

    /// <summary>The admin's token when it is acceptable (16–512 visible ASCII characters), a new random one when null.</summary>
    public static string ReadPublishToken(string? token, string field)
    {
        if (token is null)
        {
            return PublishToken.Create();
        }

        if (token.Length is < MinPublishTokenLength or > MaxPublishTokenLength || !token.All(c => c is > ' ' and <= '~'))
        {
            // Name the rule, never the value.
            throw new InvalidFieldException(field,
                $"{field} must be {MinPublishTokenLength}..{MaxPublishTokenLength} visible ASCII characters (no spaces); omit it for a random one.");
        }

        return token;
    }

    /// <summary>The camera of a stored RTSP channel, validated again (a definition written by another build may not pass).</summary>
    public static RtspSourceSettings CameraOf(ChannelDefinition channel) =>
        channel.Rtsp is { CredentialsError: { } unreadable }
            ? throw new StateSecretException(unreadable)
            : channel.Rtsp is { } rtsp
            ? RtspSourceSettings.Create(rtsp.Url, rtsp.Transport, rtsp.Username, rtsp.Password)
            : throw new InvalidOperationException($"Channel '{channel.Id}' has no camera.");

    /// <summary>Microseconds, as PostgreSQL keeps them: the same definition reads back equal from every store.</summary>
    public static DateTimeOffset ToDatabasePrecision(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Channel ids follow the router id rule: 1..128 letters, digits, '-', '_' or '.', and not "." or "..".</summary>
    public static void CheckId(string id)
    {
        if (id.Length is 0 or > 128 || id is "." or ".." || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new InvalidFieldException("channel_id", "channel_id must be 1..128 characters of letters, digits, '-', '_' or '.'.");
        }
    }

    private static ChannelHlsProfile ReadHls(ChannelHlsRequest? hls)
    {
        if (hls is null)
        {
            return ChannelHlsProfile.Default;
        }

        if (hls.SegmentSeconds is { } seconds && (seconds is < 0.5 or > 60 || !double.IsFinite(seconds)))
        {
            throw new InvalidFieldException("hls.segmentSeconds", "hls.segmentSeconds must be 0.5..60.");
        }

        if (hls.PlaylistSize is < 1 or > 1000)
        {
            throw new InvalidFieldException("hls.playlistSize", "hls.playlistSize must be 1..1000.");
        }

        var format = HlsFormats.Parse(hls.Format);
        if (hls.Format is not null && format is null)
        {
            throw new InvalidFieldException("hls.format", "hls.format must be \"fmp4\" or \"mpegts\".");
        }

        string? renditions = null;
        if (hls.Renditions is { } ladder)
        {
            var rungs = ladder.Select(r => new HlsRendition { Name = r.Name ?? "", Copy = r.Copy, Height = r.Height, VideoKbps = r.VideoKbps }).ToList();
            if (HlsRendition.Problems(rungs).FirstOrDefault() is { } problem)
            {
                throw new InvalidFieldException("hls.renditions", "hls.renditions: " + problem);
            }

            if (format == HlsSegmentFormat.MpegTs && rungs.Count > 0)
            {
                throw new InvalidFieldException("hls.renditions", "hls.renditions need the fmp4 format.");
            }

            renditions = rungs.Count == 0 ? null : HlsRendition.ToText(rungs);
        }

        return new ChannelHlsProfile(hls.SegmentSeconds, hls.PlaylistSize, hls.SignedUrls, format, renditions);
    }

    private static ChannelRetentionSettings ReadRetention(ChannelRetentionRequest? retention)
    {
        if (retention is null)
        {
            return ChannelRetentionSettings.Default;
        }

        // Up to 100 years: a TimeSpan and the database's bigint both hold it.
        if (retention.MaxAgeSeconds is < 1 or > 100L * 365 * 24 * 3600)
        {
            throw new InvalidFieldException("retention.maxAgeSeconds", "retention.maxAgeSeconds must be at least 1 (and at most 100 years).");
        }

        if (retention.MaxBytes is < 1)
        {
            throw new InvalidFieldException("retention.maxBytes", "retention.maxBytes must be at least 1.");
        }

        return new ChannelRetentionSettings(
            retention.MaxAgeSeconds is { } age ? TimeSpan.FromSeconds(age) : null,
            retention.MaxBytes);
    }
}
