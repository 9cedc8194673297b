using Broadcast.Transcode.Packaging;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Transcode.Tests.Hls;

/// <summary>
/// The live playlist's state and its blocking rules (draft-pantos-hls-rfc8216bis §6.2.5.2), driven through the packager's
/// side of its API with small byte arrays and a fake clock.
/// </summary>
public sealed class LiveMediaPlaylistTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private LiveMediaPlaylist NewPlaylist(int playlistSize = 6)
    {
        var playlist = new LiveMediaPlaylist("index", "t", 1, 0.25, playlistSize, _time);
        playlist.BeginRun([1, 2, 3], 1, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        return playlist;
    }

    // A segment of `parts` parts; the last is left open (the packager closes it when the next segment starts).
    private static void AddSegment(LiveMediaPlaylist playlist, int parts, byte fill = 1)
    {
        playlist.StartSegment(DateTimeOffset.UnixEpoch, independent: true);
        for (var i = 0; i < parts; i++)
        {
            playlist.Append([fill, (byte)i]);
            if (i < parts - 1)
            {
                playlist.NextPart(0.25, nextIndependent: false);
            }
        }
    }

    [Fact]
    public void A_part_within_reach_waits_one_too_far_ahead_is_refused_and_an_ended_playlist_answers_everything()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 4);
        playlist.EndSegment(0.25);
        AddSegment(playlist, 2); // segment 1: parts 0 published, part 1 open

        Assert.Equal((1, 0), playlist.LastPosition());
        Assert.Equal(BlockingCheck.Ready, playlist.Check(1, 0));
        Assert.Equal(BlockingCheck.Ready, playlist.Check(0, 3));
        Assert.Equal(BlockingCheck.Wait, playlist.Check(1, 1));
        Assert.Equal(BlockingCheck.Wait, playlist.Check(2, 0));
        Assert.Equal(BlockingCheck.Wait, playlist.Check(1, null)); // a whole segment 1: not yet
        Assert.Equal(BlockingCheck.Ready, playlist.Check(0, null));
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(4, null)); // beyond last + 2
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(1, 1 + 13)); // beyond the advance part limit (12 for 0.25 s)
        Assert.Equal(BlockingCheck.Wait, playlist.Check(1, 12));

        playlist.End();
        Assert.Equal(BlockingCheck.Ready, playlist.Check(3, 5));
    }

    [Fact]
    public void A_part_past_the_last_of_a_complete_segment_means_the_next_segment_s_first_part()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 4);
        playlist.EndSegment(0.25); // segment 0 complete with parts 0..3

        Assert.Equal(BlockingCheck.Wait, playlist.Check(0, 4));
        AddSegment(playlist, 1);
        playlist.NextPart(0.25, false); // segment 1, part 0 published
        Assert.Equal(BlockingCheck.Ready, playlist.Check(0, 4));
    }

    [Fact]
    public async Task A_held_request_is_answered_as_soon_as_its_part_is_published()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 2);

        var held = playlist.WaitAsync(0, 1, Hold, CancellationToken.None);
        Assert.False(held.IsCompleted);
        playlist.NextPart(0.25, false);

        Assert.Equal(BlockingCheck.Ready, await held.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_held_request_gives_up_after_its_hold_time_on_the_clock()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 2);

        var held = playlist.WaitAsync(1, 0, Hold, CancellationToken.None);
        _time.Advance(Hold - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(BlockingCheck.Wait, await held.WaitAsync(Bound));
    }

    [Fact]
    public async Task The_hinted_part_is_held_until_complete_and_an_unknown_part_is_not_held()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 1); // segment 0, part 0 open
        var hint = playlist.View().PreloadHintUri!;
        Assert.Equal("index_t_p0.m4s", hint);

        Assert.True(playlist.IsUpcomingPart(hint));
        Assert.False(playlist.IsUpcomingPart("index_t_p5.m4s"));
        Assert.False(playlist.IsUpcomingPart("index_t_0.m4s"));
        Assert.Null(await playlist.WaitForPartAsync("index_t_p9.m4s", Hold, CancellationToken.None).WaitAsync(Bound));
        var held = playlist.WaitForPartAsync(hint, Hold, CancellationToken.None);
        Assert.False(held.IsCompleted);
        playlist.NextPart(0.25, false);

        Assert.Equal(new byte[] { 1, 0 }, (await held.WaitAsync(Bound))!.Value.ToArray());
    }

    [Fact]
    public async Task The_hint_names_the_next_part_even_when_a_new_segment_starts_with_it()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 2); // parts p0 (published) and p1 (open)
        var hint = playlist.View().PreloadHintUri!;
        Assert.Equal("index_t_p1.m4s", hint);
        var held = playlist.WaitForPartAsync(hint, Hold, CancellationToken.None);

        playlist.EndSegment(0.25); // p1 ends segment 0
        Assert.Equal(new byte[] { 1, 1 }, (await held.WaitAsync(Bound))!.Value.ToArray());
        var next = playlist.WaitForPartAsync("index_t_p2.m4s", Hold, CancellationToken.None);
        AddSegment(playlist, 2, fill: 5); // a key frame: segment 1 starts with p2
        Assert.Equal(new byte[] { 5, 0 }, (await next.WaitAsync(Bound))!.Value.ToArray());
        Assert.Equal("index_t_p2.m4s", playlist.View().Segments[^1].Parts[0].Uri);
    }

    [Fact]
    public void Parts_segments_and_the_init_are_served_from_memory_and_a_segment_is_its_parts()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 3, fill: 9);
        playlist.EndSegment(0.25);

        Assert.Equal(new byte[] { 1, 2, 3 }, playlist.Find("index_t_init1.mp4")!.Value.ToArray());
        Assert.Equal(new byte[] { 9, 1 }, playlist.Find("index_t_p1.m4s")!.Value.ToArray());
        Assert.Equal(new byte[] { 9, 0, 9, 1, 9, 2 }, playlist.Find("index_t_0.m4s")!.Value.ToArray());
        Assert.Null(playlist.Find("index_t_p3.m4s"));
        Assert.Null(playlist.Find("other_t_0.m4s"));
        Assert.Null(playlist.Find("index_t_x.m4s"));
    }

    [Fact]
    public void The_window_slides_a_restart_gives_a_discontinuity_and_a_new_map_and_old_bytes_are_let_go()
    {
        var playlist = NewPlaylist(playlistSize: 3);
        var files = new List<(string Name, bool Segment)>();
        playlist.FileReady += (name, _, segment) => files.Add((name, segment));
        for (var i = 0; i < 3; i++)
        {
            AddSegment(playlist, 4);
            playlist.EndSegment(0.25);
        }

        playlist.BeginRun([4, 5], 2, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        for (var i = 0; i < 30; i++)
        {
            AddSegment(playlist, 4);
            playlist.EndSegment(0.25);
        }

        var view = playlist.View();
        Assert.Equal(3, view.Segments.Count);
        Assert.Equal(30, view.MediaSequence);
        Assert.Equal(1, view.DiscontinuitySequence); // the restart's discontinuity slid out
        Assert.All(view.Segments, s => Assert.Equal("index_t_init2.mp4", s.MapUri));
        Assert.Null(playlist.Find("index_t_0.m4s")); // long out of the window: memory released
        Assert.NotNull(playlist.Find("index_t_32.m4s"));
        Assert.Equal(("index_t_init2.mp4", false), files[3]);
        Assert.Equal(33, files.Count(f => f.Segment));

        // While the discontinuity is still listed it is written before the new map.
        var again = NewPlaylist(playlistSize: 3);
        AddSegment(again, 2);
        again.EndSegment(0.25);
        again.BeginRun([4, 5], 2, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        AddSegment(again, 2);
        again.EndSegment(0.25);
        Assert.Contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"index_t_init2.mp4\"", again.Render(skip: false), StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_that_continues_an_earlier_one_numbers_on_after_a_discontinuity()
    {
        var playlist = new LiveMediaPlaylist("index", "u", 1, 0.25, 3, _time);
        playlist.ContinueAfter(41);
        playlist.BeginRun([1, 2, 3], 1, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        AddSegment(playlist, 2);
        playlist.EndSegment(0.25);

        var view = playlist.View();
        Assert.Equal(42, view.MediaSequence);
        Assert.Equal(42, view.DiscontinuitySequence); // above any the earlier session used
        Assert.True(view.Segments[0].Discontinuity);
        Assert.NotNull(playlist.Find("index_u_42.m4s"));
        var text = playlist.Render(skip: false);
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:42", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"index_u_init1.mp4\"", text, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => playlist.ContinueAfter(7));
    }

    [Fact]
    public void Segment_numbers_more_than_two_ahead_and_parts_beyond_the_advance_part_limit_are_too_far_ahead()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 4);
        playlist.EndSegment(0.25); // segment 0 complete, nothing being built

        Assert.Equal(BlockingCheck.Wait, playlist.Check(2, null));
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(3, null));
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(3, 0));
        Assert.Equal(BlockingCheck.Wait, playlist.Check(1, 12)); // 3 / PART-TARGET = 12 parts
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(1, 13));
        Assert.Equal(BlockingCheck.Wait, playlist.Check(0, 3 + 12));
        Assert.Equal(BlockingCheck.TooFarAhead, playlist.Check(0, 3 + 13));
    }

    [Fact]
    public async Task A_request_too_far_ahead_is_refused_at_once_and_an_answerable_one_is_not_held()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 2);

        var refused = playlist.WaitAsync(9, null, Hold, CancellationToken.None);
        var ready = playlist.WaitAsync(0, 0, Hold, CancellationToken.None);

        Assert.True(refused.IsCompleted);
        Assert.Equal(BlockingCheck.TooFarAhead, await refused);
        Assert.True(ready.IsCompleted);
        Assert.Equal(BlockingCheck.Ready, await ready);
    }

    [Fact]
    public async Task A_segment_number_alone_is_held_until_that_segment_is_complete_not_only_its_parts()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 3);

        var held = playlist.WaitAsync(0, null, Hold, CancellationToken.None);
        playlist.NextPart(0.25, false); // parts 0..2 published, the segment is not complete
        Assert.False(held.IsCompleted);
        playlist.EndSegment(0.25);

        Assert.Equal(BlockingCheck.Ready, await held.WaitAsync(Bound));
    }

    [Fact]
    public async Task Ending_the_playlist_answers_every_held_request_and_gives_up_on_the_hinted_part()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 1);
        var hint = playlist.View().PreloadHintUri!;

        var reload = playlist.WaitAsync(1, 0, Hold, CancellationToken.None);
        var part = playlist.WaitForPartAsync(hint, Hold, CancellationToken.None);
        Assert.False(reload.IsCompleted);
        Assert.False(part.IsCompleted);
        playlist.End();

        Assert.Equal(BlockingCheck.Ready, await reload.WaitAsync(Bound));
        Assert.Null(await part.WaitAsync(Bound));
        var text = playlist.Render(skip: false);
        Assert.EndsWith("#EXT-X-ENDLIST\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRELOAD-HINT", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hinted_part_that_does_not_come_in_time_gives_null_on_the_clock()
    {
        // What the server turns into 503 after three target durations.
        var playlist = NewPlaylist();
        AddSegment(playlist, 1);
        var hint = playlist.View().PreloadHintUri!;

        var part = playlist.WaitForPartAsync(hint, Hold, CancellationToken.None);
        _time.Advance(Hold - TimeSpan.FromMilliseconds(1));
        Assert.False(part.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await part.WaitAsync(Bound));
        Assert.True(playlist.IsUpcomingPart(hint));
    }

    [Fact]
    public async Task A_held_request_whose_client_goes_away_is_cancelled()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 1);
        using var gone = new CancellationTokenSource();

        var held = playlist.WaitAsync(0, 1, Hold, gone.Token);
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held.WaitAsync(Bound));
    }

    [Fact]
    public void Resuming_after_the_end_continues_the_numbers_after_a_discontinuity_under_the_same_map()
    {
        var playlist = NewPlaylist();
        AddSegment(playlist, 2);
        playlist.EndSegment(0.25);
        playlist.End();
        playlist.Resume();
        AddSegment(playlist, 2);
        playlist.EndSegment(0.25);

        var view = playlist.View();
        Assert.False(view.Ended);
        Assert.Equal([0L, 1L], view.Segments.Select(s => s.Msn));
        Assert.Equal([false, true], view.Segments.Select(s => s.Discontinuity));
        Assert.Equal("index_t_init1.mp4", view.Segments[1].MapUri);
        Assert.Equal("index_t_p4.m4s", view.PreloadHintUri);
    }

    [Fact]
    public void Files_are_announced_with_their_bytes_inits_at_once_and_segments_when_complete()
    {
        var playlist = new LiveMediaPlaylist("index", "t", 1, 0.25, 6, _time);
        var files = new List<(string Name, byte[] Bytes, bool Segment)>();
        playlist.FileReady += (name, bytes, segment) => files.Add((name, bytes.ToArray(), segment));

        playlist.BeginRun([7, 7], 1, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        AddSegment(playlist, 2, fill: 3);
        Assert.Single(files);
        playlist.EndSegment(0.25);

        Assert.Equal(2, files.Count);
        Assert.Equal(("index_t_init1.mp4", false), (files[0].Name, files[0].Segment));
        Assert.Equal(new byte[] { 7, 7 }, files[0].Bytes);
        Assert.Equal(("index_t_0.m4s", true), (files[1].Name, files[1].Segment));
        Assert.Equal(new byte[] { 3, 0, 3, 1 }, files[1].Bytes);
    }

    [Fact]
    public void A_segment_that_slid_out_of_the_window_is_still_served_for_a_while()
    {
        // A player that saw its parts may still ask for them (§6.2.2: at least three target durations after removal).
        var playlist = NewPlaylist(playlistSize: 3);
        for (var i = 0; i < 4; i++)
        {
            AddSegment(playlist, 4, fill: (byte)(10 + i));
            playlist.EndSegment(0.25);
        }

        Assert.Equal(1, playlist.View().MediaSequence);
        Assert.Equal(new byte[] { 10, 0, 10, 1, 10, 2, 10, 3 }, playlist.Find("index_t_0.m4s")!.Value.ToArray());
        Assert.Equal(new byte[] { 10, 3 }, playlist.Find("index_t_p3.m4s")!.Value.ToArray());
    }

    [Fact]
    public void Every_reload_numbers_a_segment_s_discontinuity_sequence_the_same_while_discontinuities_slide_out()
    {
        // RFC 8216 §6.2.2: a DISCONTINUITY tag leaves the playlist only together with a DISCONTINUITY-SEQUENCE increment.
        var playlist = NewPlaylist(playlistSize: 3);
        var seen = new Dictionary<long, long>();
        void Segments(int count)
        {
            for (var i = 0; i < count; i++)
            {
                AddSegment(playlist, 2);
                playlist.EndSegment(0.25);
                foreach (var (msn, sequence) in DiscontinuityNumbers(playlist.Render(skip: false)))
                {
                    Assert.Equal(seen.GetValueOrDefault(msn, sequence), sequence);
                    seen[msn] = sequence;
                }
            }
        }

        Segments(2);
        playlist.BeginRun([4, 5], 2, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
        Segments(5);
        playlist.End();
        playlist.Resume();
        Segments(5);

        Assert.Equal(0, seen[0]);
        Assert.Equal(1, seen[2]);
        Assert.Equal(2, seen[11]);
        Assert.Equal(2, playlist.View().DiscontinuitySequence);
    }

    [Fact]
    public void The_init_segments_of_listed_segments_stay_in_memory_across_many_restarts()
    {
        var playlist = NewPlaylist(playlistSize: 3);
        for (var run = 2; run <= 9; run++)
        {
            playlist.BeginRun([(byte)run], run, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));
            AddSegment(playlist, 2);
            playlist.EndSegment(0.25);
            foreach (var segment in playlist.View().Segments)
            {
                Assert.True(playlist.Find(segment.MapUri) is not null, $"run {run}: {segment.MapUri} of segment {segment.Msn} is gone");
            }
        }

        Assert.Equal(new byte[] { 9 }, playlist.Find("index_t_init9.mp4")!.Value.ToArray());
        Assert.Null(playlist.Find("index_t_init1.mp4"));
    }

    [Fact]
    public void The_first_run_s_preload_hint_appears_at_once_even_after_a_playlist_was_served_without_one()
    {
        var playlist = new LiveMediaPlaylist("index", "t", 1, 0.25, 6, _time);
        Assert.DoesNotContain("PRELOAD-HINT", playlist.Render(skip: false), StringComparison.Ordinal);

        playlist.BeginRun([1], 1, new Fmp4InitFacts(null, "avc1.42e01f", 640, 360));

        Assert.Contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"index_t_p0.m4s\"", playlist.Render(skip: false), StringComparison.Ordinal);
    }

    // What a player computes: each complete segment's discontinuity sequence number, by media sequence number.
    private static IEnumerable<(long Msn, long Sequence)> DiscontinuityNumbers(string playlist)
    {
        long msn = 0, sequence = 0;
        foreach (var line in playlist.Split('\n'))
        {
            if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                msn = long.Parse(line.AsSpan(22), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-DISCONTINUITY-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line.AsSpan(30), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line == "#EXT-X-DISCONTINUITY")
            {
                sequence++;
            }
            else if (line.Length > 0 && line[0] != '#')
            {
                yield return (msn++, sequence);
            }
        }
    }
}
