using System.Diagnostics;

namespace Broadcast.Transcode.Tests.Support;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms; fails with <paramref name="explain"/> after the timeout.</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Not true within {timeout.TotalSeconds} s. {explain()}");
            }

            await Task.Delay(100);
        }
    }
}
