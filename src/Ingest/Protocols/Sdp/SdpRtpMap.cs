using System.Globalization;

namespace Broadcast.Ingest.Protocols.Sdp;

/// <summary>
/// An <c>a=rtpmap:&lt;pt&gt; &lt;encoding&gt;/&lt;clock rate&gt;[/&lt;channels&gt;]</c> attribute (RFC 8866 §6.6), or the
/// static assignment of RFC 3551 when a payload type below 96 has no rtpmap.
/// </summary>
public sealed record SdpRtpMap(int PayloadType, string EncodingName, int ClockRate, int? Channels)
{
    private static readonly SdpRtpMap[] StaticPayloadTypes =
    [
        new(0, "PCMU", 8000, 1),
        new(3, "GSM", 8000, 1),
        new(4, "G723", 8000, 1),
        new(8, "PCMA", 8000, 1),
        new(9, "G722", 8000, 1),
        new(10, "L16", 44100, 2),
        new(11, "L16", 44100, 1),
        new(14, "MPA", 90000, null),
        new(26, "JPEG", 90000, null),
        new(32, "MPV", 90000, null),
        new(33, "MP2T", 90000, null),
        new(34, "H263", 90000, null),
    ];

    /// <summary>The RFC 3551 assignment of a static payload type, or null.</summary>
    public static SdpRtpMap? Static(int payloadType) => Array.Find(StaticPayloadTypes, m => m.PayloadType == payloadType);

    /// <summary>Parses the value after <c>a=rtpmap:</c>, e.g. <c>97 MPEG4-GENERIC/48000/2</c>.</summary>
    public static bool TryParse(string value, out SdpRtpMap map)
    {
        map = null!;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !int.TryParse(value.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var payloadType)
            || payloadType > 127)
        {
            return false;
        }

        var parts = value[(space + 1)..].Trim().Split('/');
        if (parts.Length < 2 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var clockRate) || clockRate <= 0)
        {
            return false;
        }

        int? channels = null;
        if (parts.Length > 2)
        {
            if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 255)
            {
                return false;
            }

            channels = count;
        }

        map = new SdpRtpMap(payloadType, parts[0], clockRate, channels);
        return true;
    }
}
