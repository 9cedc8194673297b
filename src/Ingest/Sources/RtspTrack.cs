using System.Globalization;
using Broadcast.Ingest.Protocols.Codecs;
using Broadcast.Ingest.Protocols.Rtsp;
using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// One media section of a camera's DESCRIBE answer, as a router producer will take it: kind, codec, payload type,
/// clock rate, channels, format parameters and the URL its SETUP goes to; or why it cannot be used.
/// </summary>
public sealed record RtspTrack
{
    public required int Index { get; init; }
    public required string Kind { get; init; }

    /// <summary>The encoding name as the camera wrote it (H264, H265, MPEG4-GENERIC, OPUS, PCMU…).</summary>
    public required string EncodingName { get; init; }

    /// <summary>The router's MIME type for it (video/H264, audio/opus…); null when unsupported.</summary>
    public string? MimeType { get; init; }

    public required int PayloadType { get; init; }
    public required int ClockRate { get; init; }
    public int? Channels { get; init; }
    public required string ControlUrl { get; init; }
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;

    /// <summary>Picture size from the SDP's parameter sets, when it has them.</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }

    /// <summary>a=framerate, or the SPS timing, when given.</summary>
    public double? DeclaredFrameRate { get; init; }

    /// <summary>Null when usable; else why not (shown as a warning).</summary>
    public string? Unsupported { get; init; }

    public bool IsVideo => Kind == MediaKinds.Video;

    /// <summary>The codec as a producer declares it, with one encoding of <paramref name="ssrc"/>.</summary>
    public RtpParameters ToRtpParameters(uint ssrc, string cname) => new()
    {
        Mid = Index.ToString(CultureInfo.InvariantCulture),
        Codecs =
        [
            new RtpCodecParameters
            {
                MimeType = MimeType ?? throw new InvalidOperationException($"Track {Index} is not supported."),
                PayloadType = PayloadType,
                ClockRate = ClockRate,
                Channels = Kind == MediaKinds.Audio ? Channels : null,
                Parameters = Parameters,
            },
        ],
        Encodings = [new RtpEncodingParameters { Ssrc = ssrc }],
        Rtcp = new RtcpParameters { Cname = cname, ReducedSize = false },
    };

    /// <summary>
    /// Reads every audio and video section of <paramref name="sdp"/>; <paramref name="baseUrl"/> (Content-Base,
    /// else Content-Location, else the request URL) resolves relative controls.
    /// </summary>
    public static IReadOnlyList<RtspTrack> FromSdp(SessionDescription sdp, string baseUrl)
    {
        var tracks = new List<RtspTrack>();
        for (var i = 0; i < sdp.Media.Count; i++)
        {
            var media = sdp.Media[i];
            if (media.Media is not (MediaKinds.Audio or MediaKinds.Video))
            {
                continue;
            }

            tracks.Add(FromMedia(i, media, RtspUrl.ResolveControl(baseUrl, media.Control)));
        }

        return tracks;
    }

    private static RtspTrack FromMedia(int index, MediaDescription media, string controlUrl)
    {
        var payloadType = media.Formats.Count > 0 ? media.Formats[0] : -1;
        var map = payloadType >= 0 ? media.GetRtpMap(payloadType) : null;
        var track = new RtspTrack
        {
            Index = index,
            Kind = media.Media,
            EncodingName = map?.EncodingName ?? (payloadType < 0 ? "none" : payloadType.ToString(CultureInfo.InvariantCulture)),
            PayloadType = Math.Max(payloadType, 0),
            ClockRate = map?.ClockRate ?? 0,
            Channels = map?.Channels,
            ControlUrl = controlUrl,
            DeclaredFrameRate = media.FrameRate,
        };

        if (map is null)
        {
            return track with { Unsupported = payloadType < 0 ? "no payload type" : $"payload type {payloadType} has no rtpmap" };
        }

        if (!media.Protocol.StartsWith("RTP/AVP", StringComparison.OrdinalIgnoreCase))
        {
            return track with { Unsupported = $"{media.Protocol} is not plain RTP" };
        }

        var fmtp = media.GetFormatParameters(payloadType);
        return (media.Media, map.EncodingName.ToUpperInvariant()) switch
        {
            (MediaKinds.Video, "H264") => H264(track, fmtp),
            (MediaKinds.Video, "H265") => H265(track, fmtp),
            (MediaKinds.Audio, "MPEG4-GENERIC") when fmtp.Get("mode")?.Equals("AAC-hbr", StringComparison.OrdinalIgnoreCase) ?? false =>
                track with { MimeType = "audio/MPEG4-GENERIC", Channels = map.Channels ?? 1, Parameters = ToParameters(fmtp) },
            (MediaKinds.Audio, "MPEG4-GENERIC") => track with { Unsupported = $"AAC in mode {fmtp.Get("mode") ?? "(none)"} (only AAC-hbr)" },
            // RFC 7587: Opus is always opus/48000/2 in SDP, whatever it carries.
            (MediaKinds.Audio, "OPUS") => track with { MimeType = "audio/opus", ClockRate = 48000, Channels = 2, Parameters = ToParameters(fmtp) },
            (MediaKinds.Audio, "PCMU" or "PCMA") when map.ClockRate == 8000 && (map.Channels ?? 1) == 1 =>
                track with { MimeType = $"audio/{map.EncodingName.ToUpperInvariant()}", Channels = 1 },
            _ => track with { Unsupported = $"{media.Media} codec {map.EncodingName}/{map.ClockRate} is not supported" },
        };
    }

    private static RtspTrack H264(RtspTrack track, SdpFormatParameters fmtp)
    {
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in fmtp.Parameters)
        {
            parameters[key.ToLowerInvariant()] = ParameterValue(value);
        }

        int? width = null, height = null;
        double? frameRate = track.DeclaredFrameRate;
        string? spsProfile = null;
        if (fmtp.TryGetParameterSets("sprop-parameter-sets", out var sets))
        {
            foreach (var nal in sets)
            {
                if (H264SequenceParameterSet.TryParse(nal, out var sps))
                {
                    (width, height, spsProfile) = (sps.Width, sps.Height, sps.ProfileLevelId);
                    frameRate ??= sps.FrameRate;
                }
            }
        }

        // Single NAL units (mode 0) are valid in mode 1 too; routers list mode 1 only. The profile comes from the SDP,
        // else from the SPS, else RFC 6184's default.
        parameters["packetization-mode"] = 1L;
        var profile = fmtp.Get("profile-level-id") is { Length: 6 } declared ? declared.ToLowerInvariant() : spsProfile ?? H264ProfileLevelId.Default;
        parameters["profile-level-id"] = profile;
        if (!H264ProfileLevelId.TryGetProfile(profile, out _))
        {
            return track with { Unsupported = $"H.264 profile {profile[..2]} is not supported" };
        }

        return track with
        {
            MimeType = "video/H264", ClockRate = 90000, Parameters = parameters, Width = width, Height = height, DeclaredFrameRate = frameRate,
        };
    }

    private static RtspTrack H265(RtspTrack track, SdpFormatParameters fmtp)
    {
        int? width = null, height = null;
        if (fmtp.TryGetParameterSets("sprop-sps", out var sets) && H265SequenceParameterSet.TryParse(sets[0], out var sps))
        {
            (width, height) = (sps.Width, sps.Height);
        }

        return track with { MimeType = "video/H265", ClockRate = 90000, Parameters = ToParameters(fmtp), Width = width, Height = height };
    }

    private static Dictionary<string, object> ToParameters(SdpFormatParameters fmtp)
    {
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in fmtp.Parameters)
        {
            parameters[key.ToLowerInvariant()] = ParameterValue(value);
        }

        return parameters;
    }

    // Numbers stay numbers (as mediasoup keeps them) unless a leading zero would be lost (profile-level-id=042001).
    private static object ParameterValue(string value) =>
        value.Length is > 0 and < 16 && (value == "0" || value[0] != '0') && value.All(char.IsAsciiDigit)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : value;
}
