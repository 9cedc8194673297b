using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Tests.Routing;

public sealed class NackGeneratorTests
{
    private readonly NackGenerator _nacks = new();
    private readonly ushort[] _due = new ushort[NackGenerator.MaxEntries];

    [Fact]
    public void A_gap_is_requested_at_once_and_again_only_after_a_round_trip()
    {
        _nacks.OnPacket(100, keyFrame: true);
        _nacks.OnPacket(104, keyFrame: false);

        Assert.Equal([101, 102, 103], Due(10));
        Assert.Empty(Due(50));          // asked 40 ms ago, round trip 100 ms
        Assert.Equal([101, 102, 103], Due(111));
    }

    [Fact]
    public void A_late_or_retransmitted_packet_is_no_longer_requested()
    {
        _nacks.OnPacket(1, keyFrame: true);
        _nacks.OnPacket(5, keyFrame: false);

        _nacks.OnPacket(3, keyFrame: false);

        Assert.Equal([2, 4], Due(10));
        Assert.Equal(1, _nacks.Recovered);
    }

    [Fact]
    public void Gaps_across_the_sequence_wrap_are_tracked()
    {
        _nacks.OnPacket(65534, keyFrame: true);
        _nacks.OnPacket(1, keyFrame: false);

        Assert.Equal([65535, 0], Due(0));
    }

    [Fact]
    public void An_entry_is_given_up_after_ten_requests()
    {
        _nacks.OnPacket(1, keyFrame: true);
        _nacks.OnPacket(3, keyFrame: false);

        for (var i = 0; i < NackGenerator.MaxRetries; i++)
        {
            Assert.Equal([2], Due(1 + (i * 200)));
        }

        Assert.Empty(Due(10_000));
        Assert.Equal(1, _nacks.GivenUp);
        Assert.Equal(0, _nacks.Pending);
    }

    [Fact]
    public void A_gap_too_big_to_track_asks_for_a_key_frame_instead()
    {
        _nacks.OnPacket(1, keyFrame: true);

        Assert.True(_nacks.OnPacket(1 + NackGenerator.MaxGap + 2, keyFrame: false));
        Assert.Equal(0, _nacks.Pending);
    }

    [Fact]
    public void An_overflowing_list_first_drops_what_precedes_the_last_key_frame()
    {
        _nacks.OnPacket(0, keyFrame: true);
        _nacks.OnPacket(900, keyFrame: false);       // 899 missing
        _nacks.OnPacket(901, keyFrame: true);        // a key frame: older entries are now worthless

        Assert.False(_nacks.OnPacket(1100, keyFrame: false)); // 198 more would overflow 1000
        Assert.Equal(198, _nacks.Pending);
    }

    [Fact]
    public void An_overflow_without_a_newer_key_frame_clears_the_list_and_asks_for_one()
    {
        _nacks.OnPacket(0, keyFrame: true);
        _nacks.OnPacket(900, keyFrame: false);

        Assert.True(_nacks.OnPacket(1100, keyFrame: false));
        Assert.Equal(0, _nacks.Pending);
    }

    [Fact]
    public void Duplicates_of_the_newest_packet_change_nothing()
    {
        _nacks.OnPacket(10, keyFrame: true);
        _nacks.OnPacket(10, keyFrame: false);
        _nacks.OnPacket(11, keyFrame: false);

        Assert.Empty(Due(0));
    }

    private ushort[] Due(long now) => _due.AsSpan(0, _nacks.CollectDue(now, 100, _due)).ToArray();
}
