namespace Broadcast.Transcode;

/// <summary>The few facts we read from, and the one line we add to, a media playlist (RFC 8216).</summary>
internal static class HlsPlaylist
{
    public const string EndListTag = "#EXT-X-ENDLIST";
    public const string DiscontinuityTag = "#EXT-X-DISCONTINUITY";

    /// <summary>The segment URIs in playlist order: every line that is neither blank nor a tag or comment.</summary>
    public static IReadOnlyList<string> SegmentUris(string playlistText)
    {
        ArgumentNullException.ThrowIfNull(playlistText);
        var uris = new List<string>();
        foreach (var rawLine in playlistText.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length > 0 && line[0] != '#')
            {
                uris.Add(line);
            }
        }

        return uris;
    }

    /// <summary>Whether the last non-blank line is EXT-X-ENDLIST.</summary>
    public static bool HasEndList(string playlistText)
    {
        ArgumentNullException.ThrowIfNull(playlistText);
        var trimmed = playlistText.AsSpan().TrimEnd();
        var lastLine = trimmed[(trimmed.LastIndexOf('\n') + 1)..].Trim();
        return lastLine.SequenceEqual(EndListTag);
    }

    /// <summary>
    /// Appends EXT-X-ENDLIST when a killed FFmpeg could not, so players stop polling. Call only when no FFmpeg
    /// writes the playlist any more. Returns whether the tag was added.
    /// </summary>
    public static bool TryAppendEndList(string playlistPath)
    {
        try
        {
            var text = File.ReadAllText(playlistPath);
            if (HasEndList(text))
            {
                return false;
            }

            var separator = text.Length == 0 || text.EndsWith('\n') ? "" : "\n";
            File.AppendAllText(playlistPath, separator + EndListTag + "\n");
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes a final EXT-X-ENDLIST so that players keep polling a playlist that goes on (a channel whose FFmpeg
    /// restarts on new producers). Replaces the file by a rename, as FFmpeg does. Returns whether it removed one.
    /// </summary>
    public static bool TryRemoveEndList(string playlistPath)
    {
        try
        {
            var text = File.ReadAllText(playlistPath);
            if (!HasEndList(text))
            {
                return false;
            }

            var trimmed = text.TrimEnd();
            var temporary = playlistPath + ".tmp";
            File.WriteAllText(temporary, trimmed[..trimmed.LastIndexOf(EndListTag, StringComparison.Ordinal)]);
            File.Move(temporary, playlistPath, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
