using System.Globalization;
using System.Text;

namespace Broadcast.Ingest.Protocols.Sdp;

/// <summary>
/// A session description as RTSP cameras answer DESCRIBE (RFC 8866), read tolerantly: lines end with CRLF or LF,
/// unknown lines are kept as attributes or skipped, and payload formats that are not numbers are ignored.
/// <code>
/// v=0
/// o=- 1 1 IN IP4 127.0.0.1      s=Session    t=0 0    a=control:*
/// m=video 0 RTP/AVP 96          a=rtpmap:96 H264/90000    a=fmtp:96 ...    a=control:stream=0
/// m=audio 0 RTP/AVP 97          a=rtpmap:97 MPEG4-GENERIC/48000/2    a=control:stream=1
/// </code>
/// </summary>
public sealed class SessionDescription
{
    /// <summary>Longest description accepted.</summary>
    public const int MaxLength = 64 * 1024;

    private readonly List<KeyValuePair<string, string>> _attributes = [];
    private readonly List<MediaDescription> _media = [];

    private SessionDescription()
    {
    }

    public string SessionName { get; private set; } = "";

    /// <summary>Session-level attributes in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes => _attributes;

    /// <summary>The session-level <c>a=control</c> (the aggregate URL), or null.</summary>
    public string? Control => _attributes.FirstOrDefault(a => a.Key.Equals("control", StringComparison.OrdinalIgnoreCase)).Value;

    public IReadOnlyList<MediaDescription> Media => _media;

    public static bool TryParse(ReadOnlySpan<byte> sdp, out SessionDescription description)
    {
        description = null!;
        return sdp.Length <= MaxLength && TryParse(Encoding.UTF8.GetString(sdp), out description);
    }

    /// <summary>Parses <paramref name="sdp"/>; false unless its first line is <c>v=0</c> and every m= line is well formed.</summary>
    public static bool TryParse(string sdp, out SessionDescription description)
    {
        description = null!;
        if (sdp is null || sdp.Length > MaxLength)
        {
            return false;
        }

        var result = new SessionDescription();
        MediaDescription? current = null;
        var sawVersion = false;
        foreach (var rawLine in sdp.Split('\n'))
        {
            var line = rawLine.Trim().TrimStart('\uFEFF');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetterLower(line[0]))
            {
                if (!sawVersion)
                {
                    return false;
                }

                continue; // junk between lines: tolerated
            }

            var type = line[0];
            var value = line[2..];
            if (!sawVersion)
            {
                if (type != 'v' || value.Trim() != "0")
                {
                    return false;
                }

                sawVersion = true;
                continue;
            }

            switch (type)
            {
                case 'm':
                    if (!TryParseMediaLine(value, out current))
                    {
                        return false;
                    }

                    result._media.Add(current);
                    break;
                case 's' when current is null:
                    result.SessionName = value.Trim();
                    break;
                case 'a':
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    var name = colon < 0 ? value.Trim() : value[..colon].Trim();
                    var attribute = colon < 0 ? "" : value[(colon + 1)..].Trim();
                    if (current is null)
                    {
                        result._attributes.Add(new(name, attribute));
                    }
                    else
                    {
                        current.AddAttribute(name, attribute);
                    }

                    break;
            }
        }

        if (!sawVersion)
        {
            return false;
        }

        description = result;
        return true;
    }

    // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
    private static bool TryParseMediaLine(string value, out MediaDescription media)
    {
        media = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3)
        {
            return false;
        }

        var portText = parts[1].Split('/')[0];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        var formats = new List<int>();
        foreach (var format in parts.AsSpan(3))
        {
            if (int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var payloadType) && payloadType <= 127)
            {
                formats.Add(payloadType);
            }
        }

        media = new MediaDescription(parts[0].ToLowerInvariant(), port, parts[2], formats);
        return true;
    }
}
