using System.Globalization;
using System.Text;

namespace Broadcast.Ingest.Transports.Whip;

/// <summary>
/// The server's answer to a WHIP offer (RFC 9725, spec §7): ICE-lite, our ICE credentials and fingerprint, DTLS
/// passive, BUNDLE of the accepted sections, recvonly, the offer's payload types, only feedback and extensions that
/// were offered, host candidates and end-of-candidates. Rejected sections get port 0.
/// </summary>
public static class WhipAnswer
{
    public static string Write(WhipOffer offer, IceParameters ice, DtlsParameters dtls, IReadOnlyList<IceCandidate> candidates, long sessionId)
    {
        var sdp = new StringBuilder();
        void Line(string text) => sdp.Append(text).Append("\r\n");
        var accepted = offer.Sections.Where(s => s.Parameters is not null).ToList();
        var fingerprint = dtls.Fingerprints[^1];
        Line("v=0");
        Line(string.Create(CultureInfo.InvariantCulture, $"o=- {sessionId} 2 IN IP4 0.0.0.0"));
        Line("s=-");
        Line("t=0 0");
        Line("a=ice-lite");
        if (accepted.Count > 0)
        {
            Line($"a=group:BUNDLE {string.Join(' ', accepted.Select(s => s.Mid))}");
        }

        Line("a=msid-semantic: WMS *");
        foreach (var section in offer.Sections)
        {
            if (section.Parameters is null)
            {
                Line($"m={section.Kind} 0 UDP/TLS/RTP/SAVPF 0");
                Line("c=IN IP4 0.0.0.0");
                Line($"a=mid:{section.Mid}");
                Line("a=inactive");
                continue;
            }

            Line($"m={section.Kind} 9 UDP/TLS/RTP/SAVPF {string.Join(' ', section.AnswerCodecs.Select(c => c.PayloadType))}");
            Line("c=IN IP4 0.0.0.0");
            Line($"a=mid:{section.Mid}");
            Line("a=recvonly");
            Line($"a=ice-ufrag:{ice.UsernameFragment}");
            Line($"a=ice-pwd:{ice.Password}");
            Line($"a=fingerprint:{fingerprint.Algorithm} {fingerprint.Value}");
            Line("a=setup:passive");
            Line("a=rtcp-mux");
            if (section.ReducedSizeRtcp)
            {
                Line("a=rtcp-rsize");
            }

            foreach (var extension in section.AnswerExtensions)
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"a=extmap:{extension.Id} {extension.Uri}"));
            }

            SdpCodecLines.Write(Line, section.AnswerCodecs);

            foreach (var candidate in candidates)
            {
                Line(string.Create(CultureInfo.InvariantCulture,
                    $"a=candidate:{candidate.Foundation} 1 {candidate.Protocol} {candidate.Priority} {candidate.Address} {candidate.Port} typ {candidate.Type}"));
            }

            Line("a=end-of-candidates");
        }

        return sdp.ToString();
    }
}
