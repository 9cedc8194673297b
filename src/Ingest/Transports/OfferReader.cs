using System.Globalization;
using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>What WHIP and WHEP offers share: ICE credentials and the DTLS fingerprint, codecs and header extensions as ORTC records.</summary>
internal static class OfferReader
{
    /// <summary>ICE credentials and fingerprint, at media level or (as OBS puts them) at session level; the server is the DTLS server.</summary>
    public static (string Ufrag, string Password, DtlsParameters Dtls) ReadIceAndDtls(SessionDescription session)
    {
        string? Find(MediaDescription? media, string name) =>
            media?.Attribute(name) ?? session.Attributes.FirstOrDefault(a => a.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        var first = session.Media[0];
        var ufrag = Find(first, "ice-ufrag") ?? throw new InvalidFieldException("sdp", "The offer has no a=ice-ufrag.");
        var password = Find(first, "ice-pwd") ?? throw new InvalidFieldException("sdp", "The offer has no a=ice-pwd.");
        var fingerprint = Find(first, "fingerprint") ?? throw new InvalidFieldException("sdp", "The offer has no a=fingerprint.");
        // The server is always the DTLS server (RFC 5763): the offerer may leave the role to us or take the client's.
        var setup = Find(first, "setup") ?? "actpass";
        if (setup is not ("actpass" or "active"))
        {
            throw new InvalidFieldException("sdp", setup is "passive"
                ? "a=setup:passive asks the server to be the DTLS client, which it is not."
                : $"a=setup:{setup} is not a DTLS role the server can answer: offer actpass or active.");
        }

        var parts = fingerprint.Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new InvalidFieldException("sdp", "a=fingerprint must be '<algorithm> <value>'.");
        }

        return (ufrag, password, new DtlsParameters("client", [new DtlsFingerprintParameters(parts[0].ToLowerInvariant(), parts[1])]));
    }

    /// <summary>
    /// The section was turned off (port 0). A port-0 section with a=bundle-only is live: it shares the BUNDLE
    /// transport (RFC 8843 §6), as max-bundle offerers such as GStreamer's webrtcbin send every section but the first.
    /// </summary>
    public static bool IsDisabled(MediaDescription media) => media.Port == 0 && media.Attribute("bundle-only") is null;

    /// <summary>The mids of the offer's first BUNDLE group (<c>a=group:BUNDLE 0 1</c>), empty without one.</summary>
    public static IReadOnlyList<string> BundleMids(SessionDescription session)
    {
        foreach (var (key, value) in session.Attributes)
        {
            var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (key.Equals("group", StringComparison.OrdinalIgnoreCase) && parts.Length > 0 && parts[0] == "BUNDLE")
            {
                return parts[1..];
            }
        }

        return [];
    }

    public static RtpCodecParameters? ToCodec(MediaDescription media, int payloadType)
    {
        if (media.GetRtpMap(payloadType) is not { } map)
        {
            return null;
        }

        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in media.GetFormatParameters(payloadType).Parameters)
        {
            // Numbers stay numbers (apt must be one); profile-level-id stays a string, as mediasoup-client keeps it.
            parameters[key] = key != "profile-level-id" && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : value;
        }

        var feedback = media.Attributes
            .Where(a => a.Key == "rtcp-fb")
            .Select(a => a.Value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2 && (f[0] == "*" || f[0] == payloadType.ToString(CultureInfo.InvariantCulture)))
            .Select(f => new RtcpFeedback { Type = f[1], Parameter = f.Length > 2 ? f[2] : "" })
            .ToList();
        return new RtpCodecParameters
        {
            MimeType = $"{media.Media}/{map.EncodingName}",
            PayloadType = payloadType,
            ClockRate = map.ClockRate,
            Channels = media.Media == MediaKinds.Audio ? map.Channels ?? 1 : null,
            Parameters = parameters,
            RtcpFeedback = feedback,
        };
    }

    /// <summary>The extmaps whose URI is one of <paramref name="accepted"/>, with the offer's ids.</summary>
    public static List<RtpHeaderExtensionParameters> ReadExtensions(MediaDescription media, IReadOnlyCollection<string> accepted)
    {
        var extensions = new List<RtpHeaderExtensionParameters>();
        foreach (var attribute in media.Attributes.Where(a => a.Key == "extmap"))
        {
            var parts = attribute.Value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var id = parts.Length >= 2 ? parts[0].Split('/')[0] : "";
            if (parts.Length >= 2 && int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                && number is >= 1 and <= 255 && accepted.Contains(parts[1]))
            {
                extensions.Add(new RtpHeaderExtensionParameters { Uri = parts[1], Id = number });
            }
        }

        return extensions;
    }
}
