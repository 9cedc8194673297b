namespace Broadcast.Ingest.Sources;

/// <summary>
/// One track of a channel, with what was measured on its packets: a track of a camera's DESCRIBE answer, or a
/// publisher's producer (WebRTC, WHIP or plain RTP), for which the measurements stay empty.
/// </summary>
public sealed record TrackStatus(
    int Index,
    string Kind,
    string Codec,
    string? MimeType,
    int PayloadType,
    int ClockRate,
    int? Channels,
    bool Used,
    string? Ignored,
    int? Width,
    int? Height,
    double? FrameRate,
    double? KeyFrameIntervalSeconds,
    bool? BFrames,
    long Packets,
    string? ProducerId);
