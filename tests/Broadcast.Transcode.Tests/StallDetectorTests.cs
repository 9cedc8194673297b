namespace Broadcast.Transcode.Tests;

public class StallDetectorTests
{
    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void No_new_segment_for_the_limit_while_media_flows_is_a_stall()
    {
        var detector = new StallDetector(At(6));

        Assert.False(detector.Observe(At(0), true, null));
        Assert.False(detector.Observe(At(3), true, null));
        Assert.False(detector.Observe(At(5.9), true, null));
        Assert.True(detector.Observe(At(6), true, null));
    }

    [Fact]
    public void Time_without_media_does_not_count()
    {
        var detector = new StallDetector(At(6));

        detector.Observe(At(0), false, "seg_00001.ts");
        Assert.False(detector.Observe(At(60), false, "seg_00001.ts"));
        Assert.False(detector.Observe(At(64), true, "seg_00001.ts"));
        Assert.False(detector.Observe(At(100), false, "seg_00001.ts"));
        Assert.True(detector.Observe(At(102), true, "seg_00001.ts"));
    }

    [Fact]
    public void A_new_segment_starts_the_count_again()
    {
        var detector = new StallDetector(At(6));

        detector.Observe(At(0), true, "seg_00001.ts");
        detector.Observe(At(5), true, "seg_00001.ts");
        Assert.False(detector.Observe(At(7), true, "seg_00002.ts"));
        Assert.Equal(TimeSpan.Zero, detector.FlowingWithoutProgress);
        Assert.False(detector.Observe(At(12), true, "seg_00002.ts"));
        Assert.True(detector.Observe(At(13), true, "seg_00002.ts"));
    }
}
