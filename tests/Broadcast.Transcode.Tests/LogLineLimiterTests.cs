namespace Broadcast.Transcode.Tests;

public class LogLineLimiterTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(100);

    [Fact]
    public void Lines_up_to_the_limit_in_a_second_are_written_and_the_rest_held_back()
    {
        var limiter = new LogLineLimiter(linesPerSecond: 3);

        var admitted = Enumerable.Range(0, 10).Select(i => limiter.Admit(Start + TimeSpan.FromMilliseconds(i * 50), out _)).ToList();

        Assert.Equal([true, true, true, false, false, false, false, false, false, false], admitted);
        Assert.Equal(7, limiter.TotalHeldBack);
    }

    [Fact]
    public void The_first_line_of_the_next_second_carries_the_count_held_back_before_it()
    {
        var limiter = new LogLineLimiter(linesPerSecond: 2);
        for (var i = 0; i < 5; i++)
        {
            limiter.Admit(Start, out _);
        }

        Assert.True(limiter.Admit(Start + TimeSpan.FromSeconds(1), out var heldBack));
        Assert.Equal(3, heldBack);

        Assert.True(limiter.Admit(Start + TimeSpan.FromSeconds(1.1), out heldBack));
        Assert.Equal(0, heldBack);
    }

    [Fact]
    public void A_line_just_before_the_second_ends_is_still_held_back()
    {
        var limiter = new LogLineLimiter(linesPerSecond: 1);
        limiter.Admit(Start, out _);

        Assert.False(limiter.Admit(Start + TimeSpan.FromMilliseconds(999), out _));
        Assert.True(limiter.Admit(Start + TimeSpan.FromMilliseconds(1000), out var heldBack));
        Assert.Equal(1, heldBack);
    }

    [Fact]
    public void Taking_the_held_back_count_resets_it_but_not_the_total()
    {
        var limiter = new LogLineLimiter(linesPerSecond: 1);
        limiter.Admit(Start, out _);
        limiter.Admit(Start, out _);
        limiter.Admit(Start, out _);

        Assert.Equal(2, limiter.TakeHeldBack());
        Assert.Equal(0, limiter.TakeHeldBack());
        Assert.True(limiter.Admit(Start + TimeSpan.FromSeconds(2), out var heldBack));
        Assert.Equal(0, heldBack);
        Assert.Equal(2, limiter.TotalHeldBack);
    }

    [Fact]
    public void A_limit_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogLineLimiter(0));
}
