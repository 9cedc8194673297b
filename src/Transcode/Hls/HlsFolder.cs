namespace Broadcast.Transcode;

/// <summary>Reads a channel's HLS folder: playlist presence, listed segments and how fresh the newest one is.</summary>
public static class HlsFolder
{
    /// <summary>
    /// The highest media sequence number among fMP4 segment file names (<c>name_session_msn.m4s</c>) in
    /// <paramref name="fileNames"/>, or null when there is none: a new session numbers its segments after it.
    /// </summary>
    public static long? LastSegmentNumber(IEnumerable<string> fileNames)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        long? last = null;
        foreach (var name in fileNames)
        {
            var stem = name.AsSpan();
            if (!stem.EndsWith(".m4s", StringComparison.Ordinal))
            {
                continue;
            }

            stem = stem[..^4];
            var separator = stem.LastIndexOf('_');
            if (separator <= 0 || stem[(separator + 1)..] is not { Length: > 0 and <= 18 } digits || !IsDigits(digits))
            {
                continue;
            }

            var msn = long.Parse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
            last = last is { } known && known >= msn ? known : msn;
        }

        return last;
    }

    /// <summary><see cref="LastSegmentNumber(IEnumerable{string})"/> of a folder's files (and its renditions' sub-folders); null when it is missing.</summary>
    public static long? LastSegmentNumber(string outputDirectory)
    {
        try
        {
            return Directory.Exists(outputDirectory)
                ? LastSegmentNumber(Directory.EnumerateFiles(outputDirectory, "*.m4s", SearchOption.AllDirectories).Select(Path.GetFileName)!)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the status of <paramref name="outputDirectory"/>; a missing folder or playlist is not an error.</summary>
    public static HlsPlaylistStatus Read(string outputDirectory, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(time);

        string text;
        try
        {
            // FFmpeg replaces a live playlist by renaming a finished temporary file, so a read is never torn.
            text = File.ReadAllText(Path.Combine(outputDirectory, HlsJob.PlaylistFileName));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return HlsPlaylistStatus.Missing;
        }

        var segments = HlsPlaylist.SegmentUris(text);
        if (segments.Count == 0)
        {
            return new HlsPlaylistStatus(true, 0, null, false);
        }

        var newest = segments[^1];
        TimeSpan? newestAge = null;
        var newestFile = new FileInfo(Path.Combine(outputDirectory, newest));
        if (newestFile.Exists)
        {
            var age = time.GetUtcNow() - newestFile.LastWriteTimeUtc;
            newestAge = age < TimeSpan.Zero ? TimeSpan.Zero : age;
        }

        var hasFirst = newestAge is not null || segments.Any(s => File.Exists(Path.Combine(outputDirectory, s)));
        return new HlsPlaylistStatus(true, segments.Count, newestAge, hasFirst) { NewestSegmentName = newest };
    }
}
