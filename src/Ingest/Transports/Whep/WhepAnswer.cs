using System.Globalization;
using System.Text;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports.Whep;

/// <summary>What one served section sends: a consumer's id (the msid track id) and its parameters (offer PTs, SSRCs, mid).</summary>
public sealed record WhepTrack(string TrackId, RtpParameters RtpParameters)
{
    public static WhepTrack Of(Consumer consumer) => new(consumer.Id, consumer.RtpParameters);
}

/// <summary>
/// The server's answer to a WHEP offer: ICE-lite, our ICE credentials and fingerprint, DTLS passive, BUNDLE of the
/// served sections, sendonly, the offer's payload types, one MediaStream (the same msid stream id in every section),
/// the consumers' SSRCs with their CNAME (and RTX in an FID group), all our candidates (the server cannot trickle).
/// Sections not served get port 0. No a=rtcp-mux-only: RFC 8858 §4.3 keeps it out of answers (a=rtcp-mux accepts it).
/// A pure function of its inputs.
/// </summary>
public static class WhepAnswer
{
    /// <param name="offer">The viewer's offer.</param>
    /// <param name="tracks">What each served section sends, by the section's index.</param>
    /// <param name="streamId">The msid stream id, one for the session.</param>
    /// <param name="ice">Our ICE-lite credentials.</param>
    /// <param name="dtls">Our DTLS fingerprint (we are the DTLS server).</param>
    /// <param name="candidates">All our candidates.</param>
    /// <param name="sessionId">The o= line's session id.</param>
    public static string Write(WhepOffer offer, IReadOnlyDictionary<int, WhepTrack> tracks, string streamId, IceParameters ice,
        DtlsParameters dtls, IReadOnlyList<IceCandidate> candidates, long sessionId)
    {
        var sdp = new StringBuilder();
        void Line(string text) => sdp.Append(text).Append("\r\n");
        var served = offer.Sections.Where(s => tracks.ContainsKey(s.Index)).ToList();
        var fingerprint = dtls.Fingerprints[^1];
        Line("v=0");
        Line(string.Create(CultureInfo.InvariantCulture, $"o=- {sessionId} 2 IN IP4 0.0.0.0"));
        Line("s=-");
        Line("t=0 0");
        Line("a=ice-lite");
        // An answer may only keep a BUNDLE group the offer proposed (RFC 8843 §7.3).
        if (served.Count > 0 && offer.BundleMids.Count > 0)
        {
            Line($"a=group:BUNDLE {string.Join(' ', served.Select(s => s.Mid))}");
        }

        Line($"a=msid-semantic: WMS {streamId}");
        foreach (var section in offer.Sections)
        {
            if (!tracks.TryGetValue(section.Index, out var track))
            {
                SdpAnswerLines.WriteRefusedSection(Line, section.Kind, section.Mid,
                    section.OfferedPayloadTypes.Count > 0 ? string.Join(' ', section.OfferedPayloadTypes) : "0");
                continue;
            }

            var parameters = track.RtpParameters;
            SdpAnswerLines.WriteServedSection(Line, section.Kind, section.Mid, "sendonly", ice, fingerprint, section.ReducedSizeRtcp,
                parameters.HeaderExtensions, parameters.Codecs);
            var cname = parameters.Rtcp.Cname ?? streamId;
            var encoding = parameters.Encodings[0];
            var ssrc = encoding.Ssrc;
            // The consumer sends RTX only with an RTX codec (Ortc sets both or neither).
            var repair = parameters.Codecs.Any(c => Ortc.IsRtx(c.MimeType)) ? encoding.Rtx?.Ssrc : null;
            Line($"a=msid:{streamId} {track.TrackId}");
            if (repair is { } rtx)
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc-group:FID {ssrc} {rtx}"));
            }

            Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} cname:{cname}"));
            Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} msid:{streamId} {track.TrackId}"));
            if (repair is { } rtxSsrc)
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{rtxSsrc} cname:{cname}"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{rtxSsrc} msid:{streamId} {track.TrackId}"));
            }

            SdpAnswerLines.WriteCandidates(Line, candidates);
        }

        return sdp.ToString();
    }
}
