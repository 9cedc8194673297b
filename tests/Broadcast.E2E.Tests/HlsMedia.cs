using FFMpegCore;

namespace Broadcast.E2E.Tests;

/// <summary>Reads HLS output as a player would: segment lines of a playlist, and a segment made playable for ffprobe.</summary>
internal static class HlsMedia
{
    /// <summary>Whether a playlist line names a segment (neither blank nor a tag).</summary>
    public static bool IsSegment(string line) => line.Trim() is { Length: > 0 } trimmed && trimmed[0] != '#';

    /// <summary>The segment URIs of <paramref name="playlist"/>, in order.</summary>
    public static List<string> Segments(string playlist) => [.. playlist.Split('\n').Select(l => l.Trim()).Where(IsSegment)];

    /// <summary>
    /// ffprobe's analysis of <paramref name="segment"/> in <paramref name="folder"/>: an fMP4 segment is probed behind
    /// its init segment (the EXT-X-MAP before it in <paramref name="playlist"/>), as a player decodes it.
    /// </summary>
    public static async Task<IMediaAnalysis> ProbeAsync(string folder, string playlist, string segment)
    {
        var path = Path.Combine(folder, segment);
        var map = MapOf(playlist, segment);
        if (map is null)
        {
            return await FFProbe.AnalyseAsync(path);
        }

        var joined = Path.Combine(folder, segment + ".probe.mp4");
        await File.WriteAllBytesAsync(joined, [.. await File.ReadAllBytesAsync(Path.Combine(folder, map)), .. await File.ReadAllBytesAsync(path)]);
        try
        {
            return await FFProbe.AnalyseAsync(joined);
        }
        finally
        {
            File.Delete(joined);
        }
    }

    /// <summary>
    /// How long a probed segment plays: ffprobe gives a fragment's end time as its duration (the decode times carry on
    /// from the stream's start), so its start time is taken off.
    /// </summary>
    public static double PlaySeconds(this IMediaAnalysis analysis) =>
        (analysis.Duration - (analysis.Format.StartTime > TimeSpan.Zero && analysis.Format.FormatName.Contains("mp4", StringComparison.Ordinal)
            ? analysis.Format.StartTime : TimeSpan.Zero)).TotalSeconds;

    /// <summary>Each stream's kind, start and duration in seconds ("video 4.00+2.00, audio 3.98+2.02"), for test output.</summary>
    public static string DescribeStreams(this IMediaAnalysis analysis) =>
        string.Join(", ", analysis.VideoStreams.Select(s => ("video", s.StartTime, s.Duration))
            .Concat(analysis.AudioStreams.Select(s => ("audio", s.StartTime, s.Duration)))
            .Select(s => FormattableString.Invariant($"{s.Item1} {s.StartTime.TotalSeconds:F2}+{s.Duration.TotalSeconds:F2}")));

    private static string? MapOf(string playlist, string segment)
    {
        string? map = null;
        foreach (var line in playlist.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("#EXT-X-MAP:URI=\"", StringComparison.Ordinal))
            {
                map = line["#EXT-X-MAP:URI=\"".Length..line.IndexOf('"', "#EXT-X-MAP:URI=\"".Length)];
            }
            else if (line == segment)
            {
                return map;
            }
        }

        return null;
    }
}
