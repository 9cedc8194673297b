using System.Globalization;
using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports.Whip;

/// <summary>One m-section of a WHIP offer, with what the server decided about it.</summary>
/// <param name="Index">Position in the offer (the answer keeps the order).</param>
/// <param name="Kind">"audio", "video" or another media name.</param>
/// <param name="Mid">The section's a=mid.</param>
/// <param name="Parameters">What to produce, or null when the section is rejected (port 0 in the answer).</param>
/// <param name="Rejection">Why it was rejected.</param>
/// <param name="AnswerCodecs">The offer's codec lines kept for the answer: media and RTX, with the offer's PTs.</param>
/// <param name="AnswerExtensions">Header extensions accepted (offer ids).</param>
/// <param name="ReducedSizeRtcp">The offer allows reduced-size RTCP (a=rtcp-rsize).</param>
public sealed record WhipMediaSection(int Index, string Kind, string Mid, RtpParameters? Parameters, string? Rejection,
    IReadOnlyList<RtpCodecParameters> AnswerCodecs, IReadOnlyList<RtpHeaderExtensionParameters> AnswerExtensions, bool ReducedSizeRtcp);

/// <summary>
/// Reads a WHIP offer (RFC 9725) as mediasoup-client would turn it into produce() calls: ICE and DTLS parameters at
/// session or media level (OBS puts them at session level), and per m-section the first codec the router accepts,
/// its RTX, the feedback both sides support, the header extensions we parse, and SSRCs from a=ssrc and
/// a=ssrc-group:FID. Unknown groups and attributes are ignored; simulcast (rid) is declined.
/// </summary>
public sealed class WhipOffer
{
    private static readonly string[] AcceptedExtensions =
        [RtpHeaderExtensionUri.Mid, RtpHeaderExtensionUri.AbsSendTime, RtpHeaderExtensionUri.AudioLevel];

    private WhipOffer(string iceUfrag, string icePassword, DtlsParameters dtls, IReadOnlyList<WhipMediaSection> sections)
    {
        IceUsernameFragment = iceUfrag;
        IcePassword = icePassword;
        Dtls = dtls;
        Sections = sections;
    }

    public string IceUsernameFragment { get; }
    public string IcePassword { get; }
    public DtlsParameters Dtls { get; }
    public IReadOnlyList<WhipMediaSection> Sections { get; }

    /// <summary>Parses the offer against the router's capabilities; API misuse (bad SDP) throws <see cref="InvalidFieldException"/>.</summary>
    public static WhipOffer Parse(string sdp, RtpCapabilities routerCapabilities)
    {
        if (!SessionDescription.TryParse(sdp, out var session) || session.Media.Count == 0)
        {
            throw new InvalidFieldException("sdp", "The body is not an SDP offer with at least one m= section.");
        }

        var (ufrag, password, dtls) = OfferReader.ReadIceAndDtls(session);
        var sections = new List<WhipMediaSection>();
        for (var i = 0; i < session.Media.Count; i++)
        {
            sections.Add(ReadSection(i, session.Media[i], routerCapabilities));
        }

        return new WhipOffer(ufrag, password, dtls, sections);
    }

    private static WhipMediaSection ReadSection(int index, MediaDescription media, RtpCapabilities caps)
    {
        var mid = media.Attribute("mid") ?? index.ToString(CultureInfo.InvariantCulture);
        WhipMediaSection Reject(string why) => new(index, media.Media, mid, null, why, [], [], false);

        if (!MediaKinds.IsValid(media.Media))
        {
            return Reject($"{media.Media} sections are not accepted.");
        }

        if (media.Attribute("recvonly") is not null || media.Attribute("inactive") is not null || OfferReader.IsDisabled(media))
        {
            return Reject("only sendonly or sendrecv sections publish.");
        }

        var codecs = media.Formats.Select(pt => OfferReader.ToCodec(media, pt)).OfType<RtpCodecParameters>().ToList();
        var chosen = codecs.FirstOrDefault(c => !Ortc.IsRtx(c.MimeType) && caps.Codecs.Any(r => !Ortc.IsRtx(r.MimeType)
            && Ortc.MatchCodecs(r.MimeType, r.ClockRate, r.Channels, r.Parameters, c.MimeType, c.ClockRate, c.Channels, c.Parameters, strict: true)));
        if (chosen is null)
        {
            return Reject($"no offered {media.Media} codec is one the channel accepts ({string.Join(", ", caps.Codecs.Where(c => c.Kind == media.Media && !Ortc.IsRtx(c.MimeType)).Select(c => c.MimeType))}).");
        }

        var routerCodec = caps.Codecs.First(r => Ortc.MatchCodecs(r.MimeType, r.ClockRate, r.Channels, r.Parameters, chosen.MimeType,
            chosen.ClockRate, chosen.Channels, chosen.Parameters, strict: true));
        chosen = chosen with
        {
            RtcpFeedback = [.. chosen.RtcpFeedback.Where(f => routerCodec.RtcpFeedback.Any(r => r.Type == f.Type && r.Parameter == f.Parameter))],
        };
        var rtx = codecs.FirstOrDefault(c => Ortc.IsRtx(c.MimeType) && CodecParameters.GetInteger(c.Parameters, "apt", -1) == chosen.PayloadType);
        var extensions = OfferReader.ReadExtensions(media, AcceptedExtensions);
        var (ssrc, rtxSsrc, cname) = ReadSsrcs(media);
        if (ssrc is null && !extensions.Exists(e => e.Uri == RtpHeaderExtensionUri.Mid))
        {
            return Reject("the section names no SSRC and offers no MID header extension to find its packets by.");
        }

        List<RtpCodecParameters> chosenCodecs = rtx is null || rtxSsrc is null ? [chosen] : [chosen, rtx];
        var parameters = new RtpParameters
        {
            Mid = mid,
            Codecs = chosenCodecs,
            HeaderExtensions = extensions,
            Encodings = [new RtpEncodingParameters { Ssrc = ssrc, Rtx = rtxSsrc is { } r ? new RtxParameters { Ssrc = r } : null }],
            Rtcp = new RtcpParameters { Cname = cname, ReducedSize = media.Attribute("rtcp-rsize") is not null },
        };
        return new WhipMediaSection(index, media.Media, mid, parameters, null, chosenCodecs, extensions, media.Attribute("rtcp-rsize") is not null);
    }

    private static (uint? Ssrc, uint? RtxSsrc, string? Cname) ReadSsrcs(MediaDescription media)
    {
        uint? ssrc = null, rtx = null;
        string? cname = null;
        foreach (var attribute in media.Attributes.Where(a => a.Key == "ssrc-group"))
        {
            var parts = attribute.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[0] == "FID" && uint.TryParse(parts[1], CultureInfo.InvariantCulture, out var media1)
                && uint.TryParse(parts[2], CultureInfo.InvariantCulture, out var repair))
            {
                (ssrc, rtx) = (media1, repair);
            }
        }

        foreach (var attribute in media.Attributes.Where(a => a.Key == "ssrc"))
        {
            var parts = attribute.Value.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && uint.TryParse(parts[0], CultureInfo.InvariantCulture, out var value))
            {
                ssrc ??= value;
                if (parts.Length == 2 && parts[1].StartsWith("cname:", StringComparison.Ordinal) && value == ssrc)
                {
                    cname = parts[1]["cname:".Length..];
                }
            }
        }

        return (ssrc, rtx, cname);
    }
}
