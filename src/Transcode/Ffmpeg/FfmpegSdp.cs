using System.Globalization;
using System.Text;

namespace Broadcast.Transcode;

/// <summary>
/// Writes the SDP file FFmpeg reads to receive the consumers' RTP (compat spec §6.3).
/// FFmpeg's SDP demuxer binds the m= port for RTP and port + 1 for RTCP, takes the first payload type of each
/// m-line and ignores direction attributes; so ports are even, pairs never overlap and each m-line has one PT.
/// </summary>
public static class FfmpegSdp
{
    private const string LoopbackAddress = "127.0.0.1";

    /// <summary>Returns the SDP text (CRLF line ends) for <paramref name="streams"/>, in their order.</summary>
    /// <exception cref="ArgumentException">A stream cannot be described to FFmpeg as given.</exception>
    public static string Write(IReadOnlyList<SdpMediaStream> streams)
    {
        Validate(streams);

        var sdp = new StringBuilder();
        AppendLine(sdp, "v=0");
        AppendLine(sdp, $"o=- 0 0 IN IP4 {LoopbackAddress}");
        AppendLine(sdp, "s=ingest");
        AppendLine(sdp, $"c=IN IP4 {LoopbackAddress}");
        AppendLine(sdp, "t=0 0");
        foreach (var stream in streams)
        {
            var media = stream.Kind == MediaKind.Audio ? "audio" : "video";
            AppendLine(sdp, $"m={media} {stream.Port} RTP/AVP {stream.PayloadType}");
            var channels = stream.Kind == MediaKind.Audio && stream.Channels > 1 ? $"/{stream.Channels}" : "";
            AppendLine(sdp, $"a=rtpmap:{stream.PayloadType} {stream.EncodingName}/{stream.ClockRate}{channels}");
            if (!string.IsNullOrEmpty(stream.FormatParameters))
            {
                AppendLine(sdp, $"a=fmtp:{stream.PayloadType} {stream.FormatParameters}");
            }

            // Harmless to FFmpeg, and says to a human reader which way the media goes.
            AppendLine(sdp, "a=recvonly");
        }

        return sdp.ToString();
    }

    internal static void Validate(IReadOnlyList<SdpMediaStream> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0)
        {
            throw new ArgumentException("At least one media stream is needed.", nameof(streams));
        }

        var usedPorts = new HashSet<int>();
        var kinds = new HashSet<MediaKind>();
        foreach (var stream in streams)
        {
            ArgumentNullException.ThrowIfNull(stream, nameof(streams));
            if (!kinds.Add(stream.Kind))
            {
                throw new ArgumentException($"Only one {stream.Kind} stream is supported per channel.", nameof(streams));
            }

            if (stream.Port is < 1024 or > 65534 || stream.Port % 2 != 0)
            {
                throw new ArgumentException(
                    $"Port {stream.Port} must be even and between 1024 and 65534 (FFmpeg uses port + 1 for RTCP).",
                    nameof(streams));
            }

            if (!usedPorts.Add(stream.Port) || !usedPorts.Add(stream.Port + 1))
            {
                throw new ArgumentException($"Port pair {stream.Port}/{stream.Port + 1} overlaps another stream.", nameof(streams));
            }

            if (stream.PayloadType > 127)
            {
                throw new ArgumentException($"Payload type {stream.PayloadType} must be 0–127.", nameof(streams));
            }

            if (string.IsNullOrEmpty(stream.EncodingName) || stream.EncodingName.Any(c => !IsTokenChar(c)))
            {
                throw new ArgumentException($"Encoding name '{stream.EncodingName}' is not an SDP token.", nameof(streams));
            }

            if (stream.ClockRate <= 0 || (stream.Kind == MediaKind.Audio && stream.Channels < 1))
            {
                throw new ArgumentException(
                    $"Clock rate {stream.ClockRate} and channels {stream.Channels} must be positive.", nameof(streams));
            }

            if (stream.FormatParameters is { } fmtp && fmtp.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("Format parameters must be a single line.", nameof(streams));
            }
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static void AppendLine(StringBuilder sdp, string line) =>
        sdp.Append(CultureInfo.InvariantCulture, $"{line}\r\n");
}
