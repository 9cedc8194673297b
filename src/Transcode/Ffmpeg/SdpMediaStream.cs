namespace Broadcast.Transcode;

/// <summary>The kind of an SDP media section (<c>m=audio</c> or <c>m=video</c>).</summary>
public enum MediaKind
{
    Audio,
    Video,
}

/// <summary>
/// One RTP stream a consumer sends to FFmpeg: the even loopback port it sends RTP to (RTCP goes to
/// <paramref name="Port"/> + 1) and its codec exactly as the consumer's rtpParameters.codecs[0] say.
/// </summary>
/// <param name="Kind">Audio or video.</param>
/// <param name="Port">Even UDP port on 127.0.0.1 for RTP; FFmpeg also binds Port + 1 for RTCP.</param>
/// <param name="PayloadType">Dynamic or static RTP payload type, 0–127.</param>
/// <param name="EncodingName">RTP encoding name: H264, VP8, opus, MPEG4-GENERIC, PCMU, PCMA.</param>
/// <param name="ClockRate">RTP clock rate in Hz (90000 for video, 48000 for Opus, 8000 for G.711).</param>
/// <param name="Channels">Audio channels (written when above 1); ignored for video.</param>
/// <param name="FormatParameters">The <c>a=fmtp</c> value, or null for none.</param>
public sealed record SdpMediaStream(
    MediaKind Kind,
    int Port,
    byte PayloadType,
    string EncodingName,
    int ClockRate,
    int Channels,
    string? FormatParameters);
