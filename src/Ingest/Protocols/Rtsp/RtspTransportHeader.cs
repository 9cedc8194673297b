using System.Globalization;
using System.Text;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// The Transport header (RFC 2326 §12.39) of a SETUP request or its answer:
/// <c>RTP/AVP[/TCP|/UDP];unicast;interleaved=0-1</c> or <c>RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D</c>.
/// </summary>
public sealed record RtspTransportHeader
{
    /// <summary>The transport spec, e.g. <c>RTP/AVP</c> (UDP) or <c>RTP/AVP/TCP</c>.</summary>
    public string Profile { get; init; } = "RTP/AVP";

    /// <summary>True for interleaved TCP (lower transport TCP).</summary>
    public bool IsTcp => Profile.EndsWith("/TCP", StringComparison.OrdinalIgnoreCase);

    public bool Multicast { get; init; }

    /// <summary>Interleaved channels for RTP and RTCP.</summary>
    public (int Rtp, int Rtcp)? Interleaved { get; init; }

    /// <summary>The client's UDP ports for RTP and RTCP.</summary>
    public (int Rtp, int Rtcp)? ClientPorts { get; init; }

    /// <summary>The server's UDP ports for RTP and RTCP.</summary>
    public (int Rtp, int Rtcp)? ServerPorts { get; init; }

    /// <summary>The SSRC the server will send with (hex in the header), when it says.</summary>
    public uint? Ssrc { get; init; }

    /// <summary>The address the server sends from, when it says.</summary>
    public string? Source { get; init; }

    public string? Mode { get; init; }

    /// <summary>
    /// Parses the first transport spec of <paramref name="value"/> (a request may offer several, comma separated).
    /// Unknown parameters are ignored; a malformed port pair or channel pair makes the whole header invalid.
    /// </summary>
    public static bool TryParse(string? value, out RtspTransportHeader header)
    {
        header = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var spec = value.Split(',')[0];
        var parts = spec.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !parts[0].StartsWith("RTP/AVP", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var result = new RtspTransportHeader { Profile = parts[0] };
        for (var i = 1; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? parts[i] : parts[i][..equals]).Trim().ToLowerInvariant();
            var argument = equals < 0 ? "" : parts[i][(equals + 1)..].Trim().Trim('"');
            switch (name)
            {
                case "multicast":
                    result = result with { Multicast = true };
                    break;
                case "interleaved" when TryParsePair(argument, 255, out var channels):
                    result = result with { Interleaved = channels };
                    break;
                case "client_port" when TryParsePair(argument, 65535, out var ports):
                    result = result with { ClientPorts = ports };
                    break;
                case "server_port" when TryParsePair(argument, 65535, out var ports):
                    result = result with { ServerPorts = ports };
                    break;
                case "interleaved" or "client_port" or "server_port":
                    return false;
                case "ssrc":
                    // Hex, up to 8 digits; some servers send more than one (a list): keep the first, ignore garbage.
                    if (uint.TryParse(argument.Split('/')[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ssrc))
                    {
                        result = result with { Ssrc = ssrc };
                    }

                    break;
                case "source":
                    result = result with { Source = argument };
                    break;
                case "mode":
                    result = result with { Mode = argument };
                    break;
            }
        }

        header = result;
        return true;
    }

    /// <summary>The header value as a client sends it.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Profile).Append(Multicast ? ";multicast" : ";unicast");
        if (Interleaved is { } channels)
        {
            text.Append(CultureInfo.InvariantCulture, $";interleaved={channels.Rtp}-{channels.Rtcp}");
        }

        if (ClientPorts is { } client)
        {
            text.Append(CultureInfo.InvariantCulture, $";client_port={client.Rtp}-{client.Rtcp}");
        }

        if (ServerPorts is { } server)
        {
            text.Append(CultureInfo.InvariantCulture, $";server_port={server.Rtp}-{server.Rtcp}");
        }

        if (Ssrc is { } ssrc)
        {
            text.Append(CultureInfo.InvariantCulture, $";ssrc={ssrc:X8}");
        }

        if (Mode is { } mode)
        {
            text.Append(CultureInfo.InvariantCulture, $";mode={mode}");
        }

        return text.ToString();
    }

    // "0-1", or a single "0" (the second is the first plus one, RFC 2326 §12.39).
    private static bool TryParsePair(string text, int max, out (int, int) pair)
    {
        pair = default;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var firstText = dash < 0 ? text : text[..dash];
        if (!int.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out var first) || first > max)
        {
            return false;
        }

        var second = first + 1;
        if (dash >= 0 && (!int.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out second) || second > max))
        {
            return false;
        }

        pair = (first, Math.Min(second, max));
        return true;
    }
}
