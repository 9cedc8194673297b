using System.Diagnostics;

namespace Broadcast.Transcode.Retention;

/// <summary>What one retention run found and deleted.</summary>
public sealed record RetentionReport(
    DateTimeOffset RanAt,
    int ChannelsScanned,
    int SegmentsScanned,
    long BytesScanned,
    IReadOnlyList<RetentionDeletion> Deleted,
    int AlreadyGone,
    TimeSpan Duration)
{
    public long BytesDeleted => Deleted.Sum(d => d.Bytes);
}

/// <summary>One deleted segment and why.</summary>
public sealed record RetentionDeletion(string ChannelId, string Name, long Bytes, DeletionReason Reason);

/// <summary>
/// The thin deleter around <see cref="RetentionPolicy"/>: lists the segment files under the HLS root, marks those
/// the channel's playlists still reference, applies the policy and deletes what it chose. Files that vanish in
/// between (FFmpeg, another sweeper) are counted, not errors.
/// </summary>
public sealed class HlsRetentionSweeper(string hlsRoot, TimeProvider time)
{
    private static readonly string[] SegmentExtensions = [".ts", ".m4s", ".mp4", ".aac"];

    public RetentionReport Sweep(Func<string, ChannelRetention> rulesFor, long? globalQuotaBytes)
    {
        var clock = Stopwatch.StartNew();
        var now = time.GetUtcNow();
        var segments = new List<SegmentFile>();
        var channels = 0;
        if (Directory.Exists(hlsRoot))
        {
            foreach (var channelDirectory in Directory.EnumerateDirectories(hlsRoot))
            {
                channels++;
                ScanChannel(channelDirectory, segments);
            }
        }

        var decisions = RetentionPolicy.Decide(segments, rulesFor, globalQuotaBytes, now);
        var deleted = new List<RetentionDeletion>(decisions.Count);
        var gone = 0;
        foreach (var (segment, reason) in decisions)
        {
            try
            {
                var path = Path.Combine(hlsRoot, segment.ChannelId, segment.Name);
                if (!File.Exists(path))
                {
                    gone++;
                    continue;
                }

                File.Delete(path);
                deleted.Add(new RetentionDeletion(segment.ChannelId, segment.Name, segment.Bytes, reason));
            }
            catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
            {
                gone++;
            }
        }

        return new RetentionReport(now, channels, segments.Count, segments.Sum(s => s.Bytes), deleted, gone, clock.Elapsed);
    }

    private static void ScanChannel(string channelDirectory, List<SegmentFile> segments)
    {
        var channelId = Path.GetFileName(channelDirectory);
        var live = LiveSegments(channelDirectory);
        try
        {
            foreach (var file in new DirectoryInfo(channelDirectory).EnumerateFiles())
            {
                if (Array.IndexOf(SegmentExtensions, file.Extension.ToLowerInvariant()) >= 0)
                {
                    segments.Add(new SegmentFile(channelId, file.Name, file.Length, file.LastWriteTimeUtc, live.Contains(file.Name)));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // the channel folder went away while scanning
        }
    }

    // Every playlist in the folder counts (a variant per rendition, an fMP4 init segment via EXT-X-MAP).
    private static HashSet<string> LiveSegments(string channelDirectory)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var playlist in Directory.EnumerateFiles(channelDirectory, "*.m3u8"))
        {
            string text;
            try
            {
                text = File.ReadAllText(playlist);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            foreach (var uri in HlsPlaylist.SegmentUris(text))
            {
                live.Add(Path.GetFileName(uri));
            }

            foreach (var line in text.Split('\n'))
            {
                var start = line.IndexOf("URI=\"", StringComparison.Ordinal);
                if (line.StartsWith("#EXT-X-MAP", StringComparison.Ordinal) && start >= 0)
                {
                    var end = line.IndexOf('"', start + 5);
                    if (end > start)
                    {
                        live.Add(Path.GetFileName(line[(start + 5)..end]));
                    }
                }
            }
        }

        return live;
    }
}
