namespace Broadcast.Ingest.Routing;

/// <summary>
/// The codecs and header extensions this server can route (mediasoup's supportedRtpCapabilities, reduced to what we
/// parse). Routers are built from a configured subset (<see cref="MediaOptions.MediaCodecs"/>).
/// </summary>
public static class SupportedRtpCapabilities
{
    private static readonly RtcpFeedback[] VideoFeedback =
    [
        new() { Type = "nack" },
        new() { Type = "nack", Parameter = "pli" },
        new() { Type = "ccm", Parameter = "fir" },
        new() { Type = "goog-remb" },
    ];

    private static readonly RtcpFeedback[] OpusFeedback = [new() { Type = "nack" }];

    public static IReadOnlyList<RtpCodecCapability> Codecs { get; } =
    [
        new() { Kind = MediaKinds.Audio, MimeType = "audio/opus", ClockRate = 48000, Channels = 2, RtcpFeedback = OpusFeedback },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/PCMU", PreferredPayloadType = 0, ClockRate = 8000, Channels = 1 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/PCMA", PreferredPayloadType = 8, ClockRate = 8000, Channels = 1 },
        // AAC as RTSP cameras send it (RFC 3640); its clock rate is the sample rate, so any rate matches.
        new() { Kind = MediaKinds.Audio, MimeType = "audio/MPEG4-GENERIC", ClockRate = 0, Channels = 2 },
        new() { Kind = MediaKinds.Video, MimeType = "video/VP8", ClockRate = 90000, RtcpFeedback = VideoFeedback },
        new() { Kind = MediaKinds.Video, MimeType = "video/VP9", ClockRate = 90000, RtcpFeedback = VideoFeedback },
        new()
        {
            Kind = MediaKinds.Video, MimeType = "video/H264", ClockRate = 90000, RtcpFeedback = VideoFeedback,
            Parameters = CodecParameters.Of(("level-asymmetry-allowed", 1)),
        },
        new()
        {
            Kind = MediaKinds.Video, MimeType = "video/H265", ClockRate = 90000, RtcpFeedback = VideoFeedback,
            Parameters = CodecParameters.Of(("level-asymmetry-allowed", 1)),
        },
    ];

    /// <summary>
    /// Header extensions offered to producers. No video orientation (FFmpeg ignores it, so phone video would come
    /// out sideways in HLS) and no transport-wide-cc (we send REMB, not transport-cc feedback).
    /// </summary>
    public static IReadOnlyList<RtpHeaderExtensionCapability> HeaderExtensions { get; } =
    [
        new() { Kind = MediaKinds.Audio, Uri = RtpHeaderExtensionUri.Mid, PreferredId = 1 },
        new() { Kind = MediaKinds.Video, Uri = RtpHeaderExtensionUri.Mid, PreferredId = 1 },
        new() { Kind = MediaKinds.Video, Uri = RtpHeaderExtensionUri.RtpStreamId, PreferredId = 2, Direction = "recvonly" },
        new() { Kind = MediaKinds.Video, Uri = RtpHeaderExtensionUri.RepairedRtpStreamId, PreferredId = 3, Direction = "recvonly" },
        new() { Kind = MediaKinds.Audio, Uri = RtpHeaderExtensionUri.AbsSendTime, PreferredId = 4 },
        new() { Kind = MediaKinds.Video, Uri = RtpHeaderExtensionUri.AbsSendTime, PreferredId = 4 },
        new() { Kind = MediaKinds.Audio, Uri = RtpHeaderExtensionUri.AudioLevel, PreferredId = 10 },
    ];

    /// <summary>The default router codecs: H.264 packetization-mode 1 first (so browsers pick it and HLS copies it), VP8, Opus.</summary>
    public static IReadOnlyList<RtpCodecCapability> DefaultMediaCodecs { get; } =
    [
        new()
        {
            Kind = MediaKinds.Video, MimeType = "video/H264", ClockRate = 90000,
            Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", H264ProfileLevelId.Default),
                ("level-asymmetry-allowed", 1), ("x-google-start-bitrate", 1000)),
        },
        new() { Kind = MediaKinds.Video, MimeType = "video/VP8", ClockRate = 90000 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/opus", ClockRate = 48000, Channels = 2 },
    ];

    /// <summary>
    /// The codecs of a camera channel's router: whatever IP cameras send. H.264 in every profile routers can tell
    /// apart (packetization-mode 1, which also covers mode-0 streams: single NAL units are valid in both), H.265, and
    /// AAC at any sample rate, Opus, PCMU and PCMA.
    /// </summary>
    public static IReadOnlyList<RtpCodecCapability> CameraMediaCodecs { get; } =
    [
        H264("42e01f"), // Constrained Baseline
        H264("42001f"), // Baseline
        H264("4d001f"), // Main
        H264("640028"), // High
        H264("640c28"), // Constrained High
        H264("f40028"), // High 4:4:4 Predictive
        new() { Kind = MediaKinds.Video, MimeType = "video/H265", ClockRate = 90000 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/MPEG4-GENERIC", ClockRate = 0, Channels = 2 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/opus", ClockRate = 48000, Channels = 2 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/PCMU", ClockRate = 8000, Channels = 1 },
        new() { Kind = MediaKinds.Audio, MimeType = "audio/PCMA", ClockRate = 8000, Channels = 1 },
    ];

    private static RtpCodecCapability H264(string profileLevelId) => new()
    {
        Kind = MediaKinds.Video, MimeType = "video/H264", ClockRate = 90000,
        Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", profileLevelId), ("level-asymmetry-allowed", 1)),
    };
}
