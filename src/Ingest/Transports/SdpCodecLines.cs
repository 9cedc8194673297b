using System.Globalization;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>The a=rtpmap, a=fmtp and a=rtcp-fb lines of codecs, as WHIP and WHEP answers write them.</summary>
internal static class SdpCodecLines
{
    public static void Write(Action<string> line, IEnumerable<RtpCodecParameters> codecs)
    {
        foreach (var codec in codecs)
        {
            var name = codec.MimeType[(codec.MimeType.IndexOf('/', StringComparison.Ordinal) + 1)..];
            var channels = codec.Channels is > 1 ? string.Create(CultureInfo.InvariantCulture, $"/{codec.Channels}") : "";
            line(string.Create(CultureInfo.InvariantCulture, $"a=rtpmap:{codec.PayloadType} {name}/{codec.ClockRate}{channels}"));
            if (codec.Parameters.Count > 0)
            {
                line(string.Create(CultureInfo.InvariantCulture, $"a=fmtp:{codec.PayloadType} {CodecParameters.ToFmtp(codec.Parameters)}"));
            }

            foreach (var feedback in codec.RtcpFeedback)
            {
                var parameter = feedback.Parameter.Length > 0 ? " " + feedback.Parameter : "";
                line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{codec.PayloadType} {feedback.Type}{parameter}"));
            }
        }
    }
}
