using System.Globalization;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>The lines WHIP and WHEP answers share: a served m-section's head and codecs, a refused one, the candidates.</summary>
internal static class SdpAnswerLines
{
    /// <summary>
    /// m=, c=, mid, direction, our ICE credentials and fingerprint, DTLS passive, rtcp-mux (rtcp-rsize only if offered),
    /// the header extensions and the codecs.
    /// </summary>
    public static void WriteServedSection(Action<string> line, string kind, string mid, string direction, IceParameters ice,
        DtlsFingerprintParameters fingerprint, bool reducedSizeRtcp, IEnumerable<RtpHeaderExtensionParameters> extensions,
        IReadOnlyList<RtpCodecParameters> codecs)
    {
        line($"m={kind} 9 UDP/TLS/RTP/SAVPF {string.Join(' ', codecs.Select(c => c.PayloadType))}");
        line("c=IN IP4 0.0.0.0");
        line($"a=mid:{mid}");
        line($"a={direction}");
        line($"a=ice-ufrag:{ice.UsernameFragment}");
        line($"a=ice-pwd:{ice.Password}");
        line($"a=fingerprint:{fingerprint.Algorithm} {fingerprint.Value}");
        line("a=setup:passive");
        line("a=rtcp-mux");
        if (reducedSizeRtcp)
        {
            line("a=rtcp-rsize");
        }

        foreach (var extension in extensions)
        {
            line(string.Create(CultureInfo.InvariantCulture, $"a=extmap:{extension.Id} {extension.Uri}"));
        }

        WriteCodecs(line, codecs);
    }

    /// <summary>A section not served: port 0, inactive.</summary>
    public static void WriteRefusedSection(Action<string> line, string kind, string mid, string formats)
    {
        line($"m={kind} 0 UDP/TLS/RTP/SAVPF {formats}");
        line("c=IN IP4 0.0.0.0");
        line($"a=mid:{mid}");
        line("a=inactive");
    }

    /// <summary>All our candidates and end-of-candidates (the server does not trickle).</summary>
    public static void WriteCandidates(Action<string> line, IReadOnlyList<IceCandidate> candidates)
    {
        foreach (var candidate in candidates)
        {
            line(string.Create(CultureInfo.InvariantCulture,
                $"a=candidate:{candidate.Foundation} 1 {candidate.Protocol} {candidate.Priority} {candidate.Address} {candidate.Port} typ {candidate.Type}"));
        }

        line("a=end-of-candidates");
    }

    private static void WriteCodecs(Action<string> line, IEnumerable<RtpCodecParameters> codecs)
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
