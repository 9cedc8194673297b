using System.Text;
using System.Text.RegularExpressions;

namespace Broadcast.Api.Security;

/// <summary>
/// Carries a signed query into a playlist: a player resolves "seg12.ts" against ".../index.m3u8?expires=…&amp;sig=…"
/// without the query (RFC 3986 §5.2), so every relative URI of a signed channel's playlist gets it appended: URI
/// lines (segments, variant playlists) and URI="…" attributes (EXT-X-MAP, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF,
/// EXT-X-PART, EXT-X-PRELOAD-HINT, ...). Absolute and root-relative URIs point elsewhere and keep their form, so the
/// signature never leaves the channel.
/// </summary>
public static partial class SignedPlaylist
{
    /// <summary>The playlist with <paramref name="query"/> ("expires=…&amp;sig=…") appended to its relative URIs; line endings kept.</summary>
    public static string AddQuery(string playlist, string query)
    {
        var output = new StringBuilder(playlist.Length + 256);
        var start = 0;
        while (start < playlist.Length)
        {
            var end = playlist.IndexOf('\n', start);
            var lineEnd = end < 0 ? playlist.Length : end;
            var line = playlist[start..lineEnd];
            var carriageReturn = line.EndsWith('\r');
            var content = carriageReturn ? line[..^1] : line;

            if (content.StartsWith('#'))
            {
                output.Append(UriAttribute().Replace(content, m => $"URI=\"{WithQuery(m.Groups["uri"].Value, query)}\""));
            }
            else
            {
                output.Append(content.Trim().Length == 0 ? content : WithQuery(content.Trim(), query));
            }

            if (carriageReturn)
            {
                output.Append('\r');
            }

            if (end < 0)
            {
                break;
            }

            output.Append('\n');
            start = end + 1;
        }

        return output.ToString();
    }

    private static string WithQuery(string uri, string query)
    {
        if (uri.Length == 0 || uri.StartsWith('/') || Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            return uri;
        }

        return uri + (uri.Contains('?', StringComparison.Ordinal) ? '&' : '?') + query;
    }

    [GeneratedRegex("URI=\"(?<uri>[^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex UriAttribute();
}
