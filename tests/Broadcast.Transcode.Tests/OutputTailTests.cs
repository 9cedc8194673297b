namespace Broadcast.Transcode.Tests;

public class OutputTailTests
{
    [Fact]
    public void Only_the_last_lines_are_kept_oldest_first()
    {
        var tail = new OutputTail(3);
        foreach (var line in new[] { "a", "b", "c", "d", "e" })
        {
            tail.Add(line);
        }

        Assert.Equal(["c", "d", "e"], tail.Snapshot());
        Assert.Equal("e", tail.LastLine());
    }

    [Fact]
    public void Lines_added_from_many_threads_are_all_accounted_for()
    {
        var tail = new OutputTail(50);

        Parallel.For(0, 10_000, i => tail.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(50, tail.Snapshot().Count);
        Assert.Equal(10_000, tail.Count);
        Assert.Null(new OutputTail(5).LastLine());
    }
}
