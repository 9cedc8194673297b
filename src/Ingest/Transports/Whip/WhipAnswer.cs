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
                SdpAnswerLines.WriteRefusedSection(Line, section.Kind, section.Mid, "0");
                continue;
            }

            SdpAnswerLines.WriteServedSection(Line, section.Kind, section.Mid, "recvonly", ice, fingerprint, section.ReducedSizeRtcp,
                section.AnswerExtensions, section.AnswerCodecs);
            SdpAnswerLines.WriteCandidates(Line, candidates);
        }

        return sdp.ToString();
    }
}
