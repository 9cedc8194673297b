namespace Broadcast.Transcode.Tests;

public class RestartBackoffTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Delays_double_from_the_initial_value_up_to_the_ceiling()
    {
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next(Short).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
    }

    [Fact]
    public void A_run_that_lasted_as_long_as_the_ceiling_resets_the_delay()
    {
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        backoff.Next(Short);
        backoff.Next(Short);
        backoff.Next(Short);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next(TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Next(Short));
    }
}
