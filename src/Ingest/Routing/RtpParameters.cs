using System.Text.Json.Serialization;

namespace Broadcast.Ingest.Routing;

// The ORTC records mediasoup and mediasoup-client exchange (spec §1, §4), with mediasoup's JSON field names.
// Codec parameter values are JSON numbers (long) or strings, as mediasoup-client requires.

/// <summary>An RTCP feedback mechanism of a codec (<c>nack</c>, <c>nack pli</c>, <c>ccm fir</c>, <c>goog-remb</c>).</summary>
public sealed record RtcpFeedback
{
    /// <summary>"nack", "ccm", "goog-remb", "transport-cc".</summary>
    public required string Type { get; init; }

    /// <summary>"pli" (with nack), "fir" (with ccm), else empty.</summary>
    public string Parameter { get; init; } = "";
}

/// <summary>A codec a router (or a receiver, in its rtpCapabilities) can handle.</summary>
public sealed record RtpCodecCapability
{
    /// <summary>"audio" or "video".</summary>
    public string Kind { get; init; } = "";

    /// <summary>"audio/opus", "video/H264", "video/rtx", …</summary>
    public required string MimeType { get; init; }

    /// <summary>The router's payload type for the codec: what consumers send with and capabilities must name.</summary>
    public int? PreferredPayloadType { get; init; }

    /// <summary>RTP clock rate in Hz.</summary>
    public required int ClockRate { get; init; }

    /// <summary>Audio channels (Opus: 2).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Channels { get; init; }

    /// <summary>Codec parameters (fmtp) as numbers or strings, e.g. packetization-mode, profile-level-id, apt.</summary>
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;

    /// <summary>RTCP feedback the codec supports.</summary>
    public IReadOnlyList<RtcpFeedback> RtcpFeedback { get; init; } = [];
}

/// <summary>A header extension a router (or a receiver) can handle, with the id it uses for it.</summary>
public sealed record RtpHeaderExtensionCapability
{
    /// <summary>"audio" or "video".</summary>
    public required string Kind { get; init; }

    /// <summary>The extension's URI.</summary>
    public required string Uri { get; init; }

    /// <summary>The id packets carry it with (the router's; consumers send with it).</summary>
    public required int PreferredId { get; init; }

    /// <summary>Always false: header extensions are not encrypted.</summary>
    public bool PreferredEncrypt { get; init; }

    /// <summary>From the router's point of view: "sendrecv", "sendonly", "recvonly" or "inactive".</summary>
    public string Direction { get; init; } = "sendrecv";
}

/// <summary>What a router routes, or what a receiver can receive (mediasoup-client's device.rtpCapabilities).</summary>
public sealed record RtpCapabilities
{
    /// <summary>Codecs, each media codec followed by its RTX entry where there is one.</summary>
    public IReadOnlyList<RtpCodecCapability> Codecs { get; init; } = [];

    /// <summary>Header extensions, one entry per kind.</summary>
    public IReadOnlyList<RtpHeaderExtensionCapability> HeaderExtensions { get; init; } = [];
}

/// <summary>A codec of a stream as sent: its payload type, clock, parameters and feedback.</summary>
public sealed record RtpCodecParameters
{
    /// <summary>"video/H264", "video/rtx", "audio/opus", …</summary>
    public required string MimeType { get; init; }

    /// <summary>The payload type packets carry (a consumer's: the router's).</summary>
    public required int PayloadType { get; init; }

    /// <summary>RTP clock rate in Hz.</summary>
    public required int ClockRate { get; init; }

    /// <summary>Audio channels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Channels { get; init; }

    /// <summary>Codec parameters (fmtp) as numbers or strings; an RTX codec's apt names its media payload type.</summary>
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;

    /// <summary>RTCP feedback negotiated for the codec (a consumer's: what both the router and the receiver support).</summary>
    public IReadOnlyList<RtcpFeedback> RtcpFeedback { get; init; } = [];
}

/// <summary>A header extension packets carry, with its id.</summary>
public sealed record RtpHeaderExtensionParameters
{
    /// <summary>The extension's URI.</summary>
    public required string Uri { get; init; }

    /// <summary>The id in the packets (a consumer's: the router's, which the receiver was told).</summary>
    public required int Id { get; init; }

    /// <summary>Always false.</summary>
    public bool Encrypt { get; init; }

    /// <summary>Extension parameters; none are used.</summary>
    [JsonConverter(typeof(CodecParametersJsonConverter))]
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = CodecParameters.Empty;
}

/// <summary>The retransmission (RFC 4588) stream of an encoding.</summary>
public sealed record RtxParameters
{
    /// <summary>The SSRC of retransmissions (a consumer's: its media SSRC + 1).</summary>
    public required uint Ssrc { get; init; }
}

/// <summary>One encoding (stream) of a producer or consumer.</summary>
public sealed record RtpEncodingParameters
{
    /// <summary>The media SSRC (a consumer's: its own, random).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Ssrc { get; init; }

    /// <summary>The RID of a simulcast encoding.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rid { get; init; }

    /// <summary>The payload type of the codec this encoding uses, when not the first.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CodecPayloadType { get; init; }

    /// <summary>Its RTX stream, when RTX is used.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RtxParameters? Rtx { get; init; }

    /// <summary>Discontinuous transmission (audio).</summary>
    public bool Dtx { get; init; }

    /// <summary>Spatial and temporal layers, e.g. "L1T3".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ScalabilityMode { get; init; }

    /// <summary>Bits per second the sender may use.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxBitrate { get; init; }
}

/// <summary>RTCP of a stream.</summary>
public sealed record RtcpParameters
{
    /// <summary>The CNAME in SDES (a consumer's: its producer's), which ties a sender's audio and video together.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cname { get; init; }

    /// <summary>Reduced-size RTCP (RFC 5506); true for consumers, as mediasoup sends.</summary>
    public bool ReducedSize { get; init; } = true;
}

/// <summary>What a producer receives or a consumer sends (mediasoup's RtpParameters).</summary>
public sealed record RtpParameters
{
    /// <summary>The MID of the stream's m-section: a WebRTC consumer's is "0", "1", … in creation order on its transport.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mid { get; init; }

    /// <summary>The media codec first, then its RTX codec where used.</summary>
    public IReadOnlyList<RtpCodecParameters> Codecs { get; init; } = [];

    /// <summary>Header extensions with their ids.</summary>
    public IReadOnlyList<RtpHeaderExtensionParameters> HeaderExtensions { get; init; } = [];

    /// <summary>The encodings; a consumer has one.</summary>
    public IReadOnlyList<RtpEncodingParameters> Encodings { get; init; } = [];

    /// <summary>RTCP settings.</summary>
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
