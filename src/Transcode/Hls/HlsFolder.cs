namespace Broadcast.Transcode;

/// <summary>Reads a channel's HLS folder: playlist presence, listed segments and how fresh the newest one is.</summary>
public static class HlsFolder
{
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
