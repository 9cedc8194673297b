using System.Globalization;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>One stream of an RTP-Info header: its URL and the first sequence number and RTP time after PLAY.</summary>
public sealed record RtpInfoEntry(string Url, ushort? Sequence, uint? RtpTime);

/// <summary>
/// The RTP-Info header of a PLAY answer (RFC 2326 §12.33):
/// <c>url=rtsp://cam/stream=0;seq=11399;rtptime=2100260321, url=rtsp://cam/stream=1;seq=27677</c>.
/// </summary>
public static class RtpInfoHeader
{
    /// <summary>Parses every entry; entries without a url are skipped, malformed seq or rtptime values read as absent.</summary>
    public static bool TryParse(string? value, out IReadOnlyList<RtpInfoEntry> entries)
    {
        var list = new List<RtpInfoEntry>();
        entries = list;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        // A URL may hold a comma; a new entry starts only where "url=" follows the comma.
        foreach (var entryText in SplitEntries(value))
        {
            string? url = null;
            ushort? sequence = null;
            uint? rtpTime = null;
            foreach (var parameter in entryText.Split(';', StringSplitOptions.TrimEntries))
            {
                var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                var name = parameter[..equals].Trim();
                var argument = parameter[(equals + 1)..].Trim().Trim('"');
                if (name.Equals("url", StringComparison.OrdinalIgnoreCase))
                {
                    url = argument;
                }
                else if (name.Equals("seq", StringComparison.OrdinalIgnoreCase)
                    && ushort.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    sequence = seq;
                }
                else if (name.Equals("rtptime", StringComparison.OrdinalIgnoreCase)
                    && uint.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var time))
                {
                    rtpTime = time;
                }
            }

            if (!string.IsNullOrEmpty(url))
            {
                list.Add(new RtpInfoEntry(url, sequence, rtpTime));
            }
        }

        return list.Count > 0;
    }

    private static IEnumerable<string> SplitEntries(string value)
    {
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == ',' && value.AsSpan(i + 1).TrimStart().StartsWith("url=", StringComparison.OrdinalIgnoreCase))
            {
                yield return value[start..i];
                start = i + 1;
            }
        }

        yield return value[start..];
    }
}
