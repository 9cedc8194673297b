using System.Globalization;

namespace Broadcast.Transcode.Tests.Hls;

/// <summary>The LL-HLS playlist writer against draft-pantos-hls-rfc8216bis §4.4 and §6.2, on hand-made views.</summary>
public sealed class LowLatencyPlaylistWriterTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-12-03T10:00:00Z", CultureInfo.InvariantCulture);

    private static PlaylistSegment Segment(long msn, bool complete = true, bool discontinuity = false, string map = "init1.mp4", int parts = 4, double part = 0.25)
    {
        var list = Enumerable.Range(0, parts).Select(i => new PlaylistPart($"s_{msn}.{i}.m4s", part, i == 0)).ToList();
        return new PlaylistSegment(msn, complete ? $"s_{msn}.m4s" : null, parts * part, discontinuity, map, Start.AddSeconds(msn), list);
    }

    private static MediaPlaylistView View(IReadOnlyList<PlaylistSegment> segments, string? hint = "s_9.2.m4s", bool ended = false,
        IReadOnlyList<RenditionReport>? reports = null, long discontinuities = 0) =>
        new(1, 0.25, discontinuities, segments, hint, ended, reports ?? []);

    [Fact]
    public void A_live_playlist_is_written_exactly_as_the_spec_orders_it()
    {
        var view = View([Segment(7), Segment(8), Segment(9, complete: false, parts: 2)]);

        Assert.Equal(
            """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-TARGETDURATION:1
            #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=0.75
            #EXT-X-PART-INF:PART-TARGET=0.25
            #EXT-X-MEDIA-SEQUENCE:7
            #EXT-X-MAP:URI="init1.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:07.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_7.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_7.1.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_7.2.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_7.3.m4s"
            #EXTINF:1,
            s_7.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:08.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_8.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_8.1.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_8.2.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_8.3.m4s"
            #EXTINF:1,
            s_8.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:09.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_9.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_9.1.m4s"
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI="s_9.2.m4s"

            """.ReplaceLineEndings("\n"),
            LowLatencyPlaylistWriter.Write(view));
    }

    [Fact]
    public void Parts_are_listed_only_near_the_live_edge_and_PART_HOLD_BACK_is_three_part_targets()
    {
        // Ten 1 s segments: parts only for those within 3 × TD (3 s) of the end.
        var view = View([.. Enumerable.Range(0, 10).Select(i => Segment(i))], hint: "s_10.0.m4s");
        var lines = LowLatencyPlaylistWriter.Write(view).Split('\n');

        var withParts = lines.Where(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal)).Select(l => l.Split('"')[1].Split('.')[0]).Distinct().ToList();
        Assert.Equal(["s_7", "s_8", "s_9"], withParts);
        Assert.Contains("PART-HOLD-BACK=0.75", lines[3], StringComparison.Ordinal);
        Assert.Equal(10, lines.Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_discontinuity_comes_with_a_new_map_before_the_segment_s_first_part()
    {
        var view = View([Segment(4), Segment(5, discontinuity: true, map: "init2.mp4")], hint: "s_6.0.m4s", discontinuities: 3);
        var lines = LowLatencyPlaylistWriter.Write(view).Split('\n').ToList();

        Assert.Contains("#EXT-X-DISCONTINUITY-SEQUENCE:3", lines);
        var tag = lines.IndexOf("#EXT-X-DISCONTINUITY");
        Assert.Equal("#EXT-X-MAP:URI=\"init2.mp4\"", lines[tag + 1]);
        Assert.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", lines[tag + 2], StringComparison.Ordinal);
        Assert.StartsWith("#EXT-X-PART:DURATION=0.25,URI=\"s_5.0.m4s\"", lines[tag + 3], StringComparison.Ordinal);
        Assert.True(tag > lines.IndexOf("s_4.m4s"));
    }

    [Fact]
    public void An_ended_playlist_has_ENDLIST_and_neither_a_hint_nor_rendition_reports()
    {
        var view = View([Segment(1), Segment(2)], hint: null, ended: true);

        var text = LowLatencyPlaylistWriter.Write(view);

        Assert.EndsWith("s_2.m4s\n#EXT-X-ENDLIST\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRELOAD-HINT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_one_preload_hint_and_one_rendition_report_per_other_rendition_close_the_playlist()
    {
        var view = View([Segment(3), Segment(4, complete: false, parts: 1)], hint: "s_4.1.m4s",
            reports: [new RenditionReport("720p.m3u8", 4, 0), new RenditionReport("360p.m3u8", 4, 1)]);

        var lines = LowLatencyPlaylistWriter.Write(view).TrimEnd('\n').Split('\n');

        Assert.Single(lines, l => l.StartsWith("#EXT-X-PRELOAD-HINT", StringComparison.Ordinal));
        Assert.Equal(
            ["#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"s_4.1.m4s\"",
             "#EXT-X-RENDITION-REPORT:URI=\"720p.m3u8\",LAST-MSN=4,LAST-PART=0",
             "#EXT-X-RENDITION-REPORT:URI=\"360p.m3u8\",LAST-MSN=4,LAST-PART=1"],
            lines[^3..]);
    }

    [Fact]
    public void A_delta_update_skips_the_segments_beyond_the_skip_boundary_and_keeps_the_map_in_force()
    {
        // Twelve 1 s segments, skip boundary 6 s: the first five end more than 6 s before the end.
        var view = View([.. Enumerable.Range(0, 12).Select(i => Segment(i))], hint: "s_12.0.m4s");

        var lines = LowLatencyPlaylistWriter.Write(view, skip: true).Split('\n').ToList();

        Assert.Contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=5", lines);
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:0", lines);
        Assert.DoesNotContain("s_4.m4s", lines);
        Assert.Contains("s_5.m4s", lines);
        Assert.True(lines.IndexOf("#EXT-X-SKIP:SKIPPED-SEGMENTS=5") < lines.IndexOf("#EXT-X-MAP:URI=\"init1.mp4\""));
        Assert.True(lines.IndexOf("#EXT-X-MAP:URI=\"init1.mp4\"") < lines.IndexOf("s_5.m4s"));
    }

    [Fact]
    public void Without_low_latency_it_is_an_ordinary_live_playlist_of_complete_segments()
    {
        var view = View([Segment(7), Segment(8), Segment(9, complete: false, parts: 2)]);

        var text = LowLatencyPlaylistWriter.Write(view, lowLatency: false);

        foreach (var tag in new[] { "SERVER-CONTROL", "PART-INF", "#EXT-X-PART:", "PRELOAD-HINT", "s_9" })
        {
            Assert.DoesNotContain(tag, text, StringComparison.Ordinal);
        }

        Assert.Contains("#EXTINF:1,\ns_8.m4s\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_follows_the_spec_s_order_with_hold_back_and_skip_boundary_derived_from_the_targets()
    {
        var view = new MediaPlaylistView(4, 0.33334, 0, [Segment(264, part: 0.33334, parts: 12)], "s_265.0.m4s", false, []);

        var lines = LowLatencyPlaylistWriter.Write(view).Split('\n');

        Assert.Equal(
            ["#EXTM3U",
             "#EXT-X-VERSION:9",
             "#EXT-X-TARGETDURATION:4",
             "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24,PART-HOLD-BACK=1.00002",
             "#EXT-X-PART-INF:PART-TARGET=0.33334",
             "#EXT-X-MEDIA-SEQUENCE:264",
             "#EXT-X-MAP:URI=\"init1.mp4\""],
            lines[..7]);
        Assert.DoesNotContain(lines, l => l.StartsWith("#EXT-X-DISCONTINUITY", StringComparison.Ordinal));
    }

    [Fact]
    public void DISCONTINUITY_SEQUENCE_follows_MEDIA_SEQUENCE_once_a_discontinuity_has_slid_out()
    {
        var lines = LowLatencyPlaylistWriter.Write(View([Segment(7)], discontinuities: 2)).Split('\n').ToList();

        Assert.Equal(lines.IndexOf("#EXT-X-MEDIA-SEQUENCE:7") + 1, lines.IndexOf("#EXT-X-DISCONTINUITY-SEQUENCE:2"));
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY", lines);
    }

    [Fact]
    public void A_delta_update_after_restarts_is_written_exactly()
    {
        // Eleven 1 s segments and one being built; a restart before segment 3 (init2, skipped) and one before 11 (init3).
        IReadOnlyList<PlaylistSegment> segments =
        [
            .. Enumerable.Range(0, 3).Select(i => Segment(i)),
            .. Enumerable.Range(3, 8).Select(i => Segment(i, discontinuity: i == 3, map: "init2.mp4")),
            Segment(11, complete: false, discontinuity: true, map: "init3.mp4", parts: 2),
        ];
        var view = View(segments, hint: "s_11.2.m4s", reports: [new RenditionReport("720p.m3u8", 11, 1)], discontinuities: 1);

        Assert.Equal(
            """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-TARGETDURATION:1
            #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=0.75
            #EXT-X-PART-INF:PART-TARGET=0.25
            #EXT-X-MEDIA-SEQUENCE:0
            #EXT-X-DISCONTINUITY-SEQUENCE:1
            #EXT-X-SKIP:SKIPPED-SEGMENTS=5
            #EXT-X-MAP:URI="init2.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:05.000Z
            #EXTINF:1,
            s_5.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:06.000Z
            #EXTINF:1,
            s_6.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:07.000Z
            #EXTINF:1,
            s_7.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:08.000Z
            #EXTINF:1,
            s_8.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:09.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_9.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_9.1.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_9.2.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_9.3.m4s"
            #EXTINF:1,
            s_9.m4s
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:10.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_10.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_10.1.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_10.2.m4s"
            #EXT-X-PART:DURATION=0.25,URI="s_10.3.m4s"
            #EXTINF:1,
            s_10.m4s
            #EXT-X-DISCONTINUITY
            #EXT-X-MAP:URI="init3.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:11.000Z
            #EXT-X-PART:DURATION=0.25,URI="s_11.0.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.25,URI="s_11.1.m4s"
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI="s_11.2.m4s"
            #EXT-X-RENDITION-REPORT:URI="720p.m3u8",LAST-MSN=11,LAST-PART=1

            """.ReplaceLineEndings("\n"),
            LowLatencyPlaylistWriter.Write(view, skip: true));
    }

    [Fact]
    public void Without_low_latency_the_playlist_is_written_exactly_as_an_ordinary_live_one()
    {
        var view = View([Segment(7), Segment(8, discontinuity: true, map: "init2.mp4"), Segment(9, complete: false, map: "init2.mp4", parts: 2)],
            reports: [new RenditionReport("720p.m3u8", 9, 1)], discontinuities: 2);

        Assert.Equal(
            """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-TARGETDURATION:1
            #EXT-X-MEDIA-SEQUENCE:7
            #EXT-X-DISCONTINUITY-SEQUENCE:2
            #EXT-X-MAP:URI="init1.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:07.000Z
            #EXTINF:1,
            s_7.m4s
            #EXT-X-DISCONTINUITY
            #EXT-X-MAP:URI="init2.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-03T10:00:08.000Z
            #EXTINF:1,
            s_8.m4s

            """.ReplaceLineEndings("\n"),
            LowLatencyPlaylistWriter.Write(view, skip: true, lowLatency: false));
    }

    [Fact]
    public void An_ended_playlist_never_carries_a_preload_hint_even_if_the_view_names_one()
    {
        var text = LowLatencyPlaylistWriter.Write(View([Segment(1), Segment(2, complete: false, parts: 1)], hint: "s_2.1.m4s", ended: true));

        Assert.DoesNotContain("PRELOAD-HINT", text, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n'), l => l == "#EXT-X-ENDLIST");
    }

    [Fact]
    public void A_delta_update_with_nothing_old_enough_to_skip_is_the_whole_playlist()
    {
        var view = View([.. Enumerable.Range(0, 6).Select(i => Segment(i))], hint: "s_6.0.m4s");

        Assert.Equal(LowLatencyPlaylistWriter.Write(view), LowLatencyPlaylistWriter.Write(view, skip: true));
    }

    [Fact]
    public void Parts_are_listed_for_a_segment_starting_three_target_durations_before_the_live_edge_and_not_earlier()
    {
        // TD 1: segment 1 starts at 1.75 s, segment 2 at 2 s, the edge (in the segment being built) is at 5 s.
        var view = View([Segment(0, parts: 7), Segment(1, parts: 1), Segment(2, parts: 1), Segment(3), Segment(4), Segment(5, complete: false, parts: 3)],
            hint: "s_5.3.m4s");

        var text = LowLatencyPlaylistWriter.Write(view);

        Assert.DoesNotContain("URI=\"s_1.0.m4s\"", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PART:DURATION=0.25,URI=\"s_2.0.m4s\",INDEPENDENT=YES\n#EXTINF:0.25,\ns_2.m4s\n", text, StringComparison.Ordinal);
        Assert.Contains("URI=\"s_5.2.m4s\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_discontinuity_on_the_first_listed_segment_is_still_written()
    {
        // Until that segment slides out, DISCONTINUITY-SEQUENCE does not count it (RFC 8216 §6.2.2): the tag must stay,
        // or a player would number the segments after it one lower than in the previous reload.
        var view = View([Segment(5, discontinuity: true, map: "init2.mp4"), Segment(6, map: "init2.mp4")], hint: "s_7.0.m4s");

        foreach (var lowLatency in new[] { true, false })
        {
            var lines = LowLatencyPlaylistWriter.Write(view, lowLatency: lowLatency).Split('\n').ToList();
            Assert.Equal(lines.IndexOf("#EXT-X-MEDIA-SEQUENCE:5") + 1, lines.IndexOf("#EXT-X-DISCONTINUITY"));
            Assert.Equal("#EXT-X-MAP:URI=\"init2.mp4\"", lines[lines.IndexOf("#EXT-X-DISCONTINUITY") + 1]);
        }
    }
}
