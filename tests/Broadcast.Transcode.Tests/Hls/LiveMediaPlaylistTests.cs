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
}
