using System.Text.Json.Serialization;

namespace Broadcast.Ingest.Routing;

// The ORTC records mediasoup and mediasoup-client exchange (spec §1, §4), with mediasoup's JSON field names.
// Codec parameter values are JSON numbers (long) or strings, as mediasoup-client requires.

public sealed record RtcpFeedback
{
    public required string Type { get; init; }
    public string Parameter { get; init; } = "";
}

public sealed record RtpCodecCapability
{
    public string Kind { get; init; } = "";
    public required string MimeType { get; init; }
    public int? PreferredPayloadType { get; init; }
    public required int ClockRate { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Channels { get; init; }
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;
    public IReadOnlyList<RtcpFeedback> RtcpFeedback { get; init; } = [];
}

public sealed record RtpHeaderExtensionCapability
{
    public required string Kind { get; init; }
    public required string Uri { get; init; }
    public required int PreferredId { get; init; }
    public bool PreferredEncrypt { get; init; }
    public string Direction { get; init; } = "sendrecv";
}

public sealed record RtpCapabilities
{
    public IReadOnlyList<RtpCodecCapability> Codecs { get; init; } = [];
    public IReadOnlyList<RtpHeaderExtensionCapability> HeaderExtensions { get; init; } = [];
}

public sealed record RtpCodecParameters
{
    public required string MimeType { get; init; }
    public required int PayloadType { get; init; }
    public required int ClockRate { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Channels { get; init; }
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;
    public IReadOnlyList<RtcpFeedback> RtcpFeedback { get; init; } = [];
}

public sealed record RtpHeaderExtensionParameters
{
    public required string Uri { get; init; }
    public required int Id { get; init; }
    public bool Encrypt { get; init; }
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;
}

public sealed record RtxParameters
{
    public required uint Ssrc { get; init; }
}

public sealed record RtpEncodingParameters
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Ssrc { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rid { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CodecPayloadType { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RtxParameters? Rtx { get; init; }
    public bool Dtx { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ScalabilityMode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxBitrate { get; init; }
}

public sealed record RtcpParameters
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cname { get; init; }
    public bool ReducedSize { get; init; } = true;
}

public sealed record RtpParameters
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mid { get; init; }
    public IReadOnlyList<RtpCodecParameters> Codecs { get; init; } = [];
    public IReadOnlyList<RtpHeaderExtensionParameters> HeaderExtensions { get; init; } = [];
    public IReadOnlyList<RtpEncodingParameters> Encodings { get; init; } = [];
    public RtcpParameters Rtcp { get; init; } = new();
}

/// <summary>How a producer's payload types and SSRCs map to the router's (spec §4.2).</summary>
public sealed record RtpMapping
{
    public required IReadOnlyList<RtpCodecMapping> Codecs { get; init; }
    public required IReadOnlyList<RtpEncodingMapping> Encodings { get; init; }
}

public sealed record RtpCodecMapping(int PayloadType, int MappedPayloadType);

public sealed record RtpEncodingMapping
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Ssrc { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rid { get; init; }
    public required uint MappedSsrc { get; init; }
}

/// <summary>Header extension URIs the router offers and parses.</summary>
public static class RtpHeaderExtensionUri
{
    public const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string RepairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    public const string AbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
}

/// <summary>A producer or consumer kind.</summary>
public static class MediaKinds
{
    public const string Audio = "audio";
    public const string Video = "video";

    public static bool IsValid(string? kind) => kind is Audio or Video;

    /// <summary>The kind named by a MIME type such as <c>video/H264</c>, or null.</summary>
    public static string? FromMimeType(string mimeType)
    {
        var slash = mimeType.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == mimeType.Length - 1)
        {
            return null;
        }

        var kind = mimeType[..slash].ToLowerInvariant();
        return IsValid(kind) ? kind : null;
    }
}
