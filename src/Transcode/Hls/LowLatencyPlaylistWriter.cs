using System.Globalization;
using System.Text;

namespace Broadcast.Transcode;

/// <summary>A partial segment as a playlist lists it.</summary>
/// <param name="Uri">Relative URI of the part.</param>
/// <param name="Duration">Seconds.</param>
/// <param name="Independent">It starts with a key frame (INDEPENDENT=YES).</param>
public sealed record PlaylistPart(string Uri, double Duration, bool Independent);

/// <summary>A media segment as a playlist lists it: complete (with <see cref="Uri"/>) or the one being built (parts only).</summary>
/// <param name="Msn">Its media sequence number.</param>
/// <param name="Uri">The whole segment's URI; null while it is being built.</param>
/// <param name="Duration">Seconds (of the parts so far while it is being built).</param>
/// <param name="Discontinuity">It follows a restart of the encoder: EXT-X-DISCONTINUITY before it.</param>
/// <param name="MapUri">Its init segment (EXT-X-MAP).</param>
/// <param name="ProgramDateTime">Wall-clock time of its first sample.</param>
/// <param name="Parts">Its parts, oldest first.</param>
public sealed record PlaylistSegment(long Msn, string? Uri, double Duration, bool Discontinuity, string MapUri,
    DateTimeOffset ProgramDateTime, IReadOnlyList<PlaylistPart> Parts);

/// <summary>Another rendition's position (EXT-X-RENDITION-REPORT).</summary>
public sealed record RenditionReport(string Uri, long LastMsn, int LastPart);

/// <summary>Everything one media playlist shows at one moment.</summary>
/// <param name="TargetDuration">EXT-X-TARGETDURATION, whole seconds.</param>
/// <param name="PartTarget">EXT-X-PART-INF PART-TARGET, seconds.</param>
/// <param name="DiscontinuitySequence">Discontinuities that have slid out of the window.</param>
/// <param name="Segments">Oldest first; the last may be the segment being built (null URI).</param>
/// <param name="PreloadHintUri">The next part's URI, or null (never with <paramref name="Ended"/>).</param>
/// <param name="Ended">No more segments will come: EXT-X-ENDLIST.</param>
/// <param name="RenditionReports">The other renditions' positions.</param>
public sealed record MediaPlaylistView(int TargetDuration, double PartTarget, long DiscontinuitySequence,
    IReadOnlyList<PlaylistSegment> Segments, string? PreloadHintUri, bool Ended, IReadOnlyList<RenditionReport> RenditionReports)
{
    /// <summary>EXT-X-MEDIA-SEQUENCE: the first listed segment's number.</summary>
    public long MediaSequence => Segments.Count == 0 ? 0 : Segments[0].Msn;

    /// <summary>PART-HOLD-BACK: three part targets, as Apple's authoring spec requires (the HLS spec: at least two).</summary>
    public double PartHoldBack => 3 * PartTarget;

    /// <summary>CAN-SKIP-UNTIL: the spec's minimum, six target durations.</summary>
    public double SkipBoundary => 6.0 * TargetDuration;

    /// <summary>Parts are listed for segments that start within this many seconds of the live edge (the spec: remove after 3 × TD).</summary>
    public double PartListingWindow => 3.0 * TargetDuration;
}

/// <summary>
/// Writes Low-Latency HLS media playlists (draft-pantos-hls-rfc8216bis §4.4, §6.2): SERVER-CONTROL with blocking reload
/// and delta updates, PART-INF, parts before their parent's EXTINF, one PRELOAD-HINT, PROGRAM-DATE-TIME and MAP on
/// every segment, DISCONTINUITY after a restart, rendition reports. Pure: the same view gives the same text.
/// A player without LL-HLS reads the same text as an ordinary live playlist.
/// </summary>
public static class LowLatencyPlaylistWriter
{
    /// <summary>EXT-X-VERSION 9 introduced EXT-X-SKIP; fMP4 with EXT-X-MAP needs 6 (7 without I-frames-only).</summary>
    public const int Version = 9;

    /// <summary>
    /// The playlist; with <paramref name="skip"/> a delta update that skips segments beyond the skip boundary. Without
    /// <paramref name="lowLatency"/> an ordinary live playlist of the complete segments (what is written to disk, where
    /// parts are not kept).
    /// </summary>
    public static string Write(MediaPlaylistView view, bool skip = false, bool lowLatency = true)
    {
        ArgumentNullException.ThrowIfNull(view);
        var text = new StringBuilder(256 + (view.Segments.Count * 160));
        text.Append("#EXTM3U\n");
        Line(text, $"#EXT-X-VERSION:{Version}");
        Line(text, $"#EXT-X-TARGETDURATION:{view.TargetDuration}");
        if (lowLatency)
        {
            Line(text, $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL={Number(view.SkipBoundary)},PART-HOLD-BACK={Number(view.PartHoldBack)}");
            Line(text, $"#EXT-X-PART-INF:PART-TARGET={Number(view.PartTarget)}");
        }
        else
        {
            skip = false;
        }

        Line(text, $"#EXT-X-MEDIA-SEQUENCE:{view.MediaSequence}");
        if (view.DiscontinuitySequence > 0)
        {
            Line(text, $"#EXT-X-DISCONTINUITY-SEQUENCE:{view.DiscontinuitySequence}");
        }

        var segments = lowLatency ? view.Segments : [.. view.Segments.Where(s => s.Uri is not null)];
        var first = 0;
        if (skip)
        {
            // Segments that end more than the skip boundary before the playlist's end may be skipped (§6.2.5.1).
            var total = segments.Sum(s => s.Duration);
            var elapsed = 0.0;
            while (first < segments.Count && segments[first].Uri is not null && total - (elapsed + segments[first].Duration) > view.SkipBoundary)
            {
                elapsed += segments[first].Duration;
                first++;
            }

            if (first > 0)
            {
                Line(text, $"#EXT-X-SKIP:SKIPPED-SEGMENTS={first}");
            }
        }

        var edge = segments.Sum(s => s.Duration);
        var start = segments.Take(first).Sum(s => s.Duration);
        // The first segment shown names its init segment even after a skip: a player merging the update needs no guess.
        string? map = null;
        for (var i = first; i < segments.Count; i++)
        {
            var segment = segments[i];
            // Also on the first segment listed: the tag may leave only as the segment does, when the
            // DISCONTINUITY-SEQUENCE counts it (RFC 8216 §6.2.2); players number segments by both.
            if (segment.Discontinuity)
            {
                text.Append("#EXT-X-DISCONTINUITY\n");
            }

            if (segment.MapUri != map)
            {
                Line(text, $"#EXT-X-MAP:URI=\"{segment.MapUri}\"");
                map = segment.MapUri;
            }

            Line(text, $"#EXT-X-PROGRAM-DATE-TIME:{segment.ProgramDateTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}");
            if (lowLatency && (edge - start <= view.PartListingWindow || segment.Uri is null))
            {
                foreach (var part in segment.Parts)
                {
                    Line(text, part.Independent
                        ? $"#EXT-X-PART:DURATION={Number(part.Duration)},URI=\"{part.Uri}\",INDEPENDENT=YES"
                        : $"#EXT-X-PART:DURATION={Number(part.Duration)},URI=\"{part.Uri}\"");
                }
            }

            if (segment.Uri is not null)
            {
                Line(text, $"#EXTINF:{Number(segment.Duration)},");
                Line(text, segment.Uri);
            }

            start += segment.Duration;
        }

        if (view.Ended)
        {
            text.Append("#EXT-X-ENDLIST\n");
            return text.ToString();
        }

        if (!lowLatency)
        {
            return text.ToString();
        }

        if (view.PreloadHintUri is { } hint)
        {
            Line(text, $"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{hint}\"");
        }

        foreach (var report in view.RenditionReports)
        {
            Line(text, $"#EXT-X-RENDITION-REPORT:URI=\"{report.Uri}\",LAST-MSN={report.LastMsn},LAST-PART={report.LastPart}");
        }

        return text.ToString();
    }

    // Five decimals: durations in 90 kHz or 48 kHz ticks stay exact enough, and a part never rounds above PART-TARGET.
    private static string Number(double seconds) => seconds.ToString("0.#####", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
