using Broadcast.Transcode.Retention;

namespace Broadcast.Transcode.Tests.Retention;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Segments_older_than_the_retention_are_deleted_unless_the_live_playlist_lists_them()
    {
        var old = Segment("cam1", "seg_00001.ts", ageMinutes: 90);
        var oldButLive = Segment("cam1", "seg_00002.ts", ageMinutes: 90, live: true);
        var recent = Segment("cam1", "seg_00003.ts", ageMinutes: 10);

        var decisions = RetentionPolicy.Decide([old, oldButLive, recent], _ => new ChannelRetention(TimeSpan.FromHours(1), null), null, Now);

        var decision = Assert.Single(decisions);
        Assert.Same(old, decision.Segment);
        Assert.Equal(DeletionReason.Age, decision.Reason);
    }

    [Fact]
    public void A_channel_over_its_quota_loses_its_oldest_segments_first_until_it_fits()
    {
        var segments = Enumerable.Range(1, 5).Select(i => Segment("cam1", $"seg_{i:D5}.ts", ageMinutes: 10 - i, bytes: 100)).ToList();

        var decisions = RetentionPolicy.Decide(segments, _ => new ChannelRetention(null, 250), null, Now);

        Assert.Equal(["seg_00001.ts", "seg_00002.ts", "seg_00003.ts"], decisions.Select(d => d.Segment.Name));
        Assert.All(decisions, d => Assert.Equal(DeletionReason.ChannelQuota, d.Reason));
    }

    [Fact]
    public void The_global_quota_deletes_the_oldest_across_channels_after_the_channel_rules()
    {
        var a1 = Segment("a", "seg_00001.ts", ageMinutes: 50, bytes: 100);
        var b1 = Segment("b", "seg_00001.ts", ageMinutes: 40, bytes: 100);
        var a2 = Segment("a", "seg_00002.ts", ageMinutes: 30, bytes: 100);
        var b2 = Segment("b", "seg_00002.ts", ageMinutes: 20, bytes: 100);

        var decisions = RetentionPolicy.Decide([a1, b1, a2, b2], _ => ChannelRetention.KeepEverything, 200, Now);

        Assert.Equal([a1, b1], decisions.Select(d => d.Segment));
        Assert.All(decisions, d => Assert.Equal(DeletionReason.GlobalQuota, d.Reason));
    }

    [Fact]
    public void Age_deletions_count_towards_the_quotas_and_nothing_is_deleted_twice()
    {
        var old = Segment("cam1", "seg_00001.ts", ageMinutes: 120, bytes: 100);
        var middle = Segment("cam1", "seg_00002.ts", ageMinutes: 30, bytes: 100);
        var recent = Segment("cam1", "seg_00003.ts", ageMinutes: 5, bytes: 100);

        var decisions = RetentionPolicy.Decide([old, middle, recent], _ => new ChannelRetention(TimeSpan.FromHours(1), 200), 200, Now);

        var decision = Assert.Single(decisions);
        Assert.Equal((old, DeletionReason.Age), (decision.Segment, decision.Reason));
    }

    [Fact]
    public void Live_and_just_written_segments_survive_even_when_quotas_stay_exceeded()
    {
        var live = Segment("cam1", "seg_00001.ts", ageMinutes: 60, bytes: 1000, live: true);
        var beingWritten = Segment("cam1", "seg_00002.ts", ageMinutes: 0, bytes: 1000);

        var decisions = RetentionPolicy.Decide([live, beingWritten], _ => new ChannelRetention(TimeSpan.Zero, 1), 1, Now);

        Assert.Empty(decisions);
    }

    [Fact]
    public void Each_channel_gets_its_own_rules()
    {
        var keep = Segment("archive", "seg_00001.ts", ageMinutes: 600);
        var drop = Segment("live", "seg_00001.ts", ageMinutes: 600);

        var decisions = RetentionPolicy.Decide([keep, drop],
            channel => channel == "archive" ? ChannelRetention.KeepEverything : new ChannelRetention(TimeSpan.FromHours(1), null), null, Now);

        Assert.Same(drop, Assert.Single(decisions).Segment);
    }

    private static SegmentFile Segment(string channel, string name, double ageMinutes, long bytes = 1000, bool live = false) =>
        new(channel, name, bytes, Now - TimeSpan.FromMinutes(ageMinutes), live);
}
