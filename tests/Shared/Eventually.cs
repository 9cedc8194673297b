using System.Diagnostics;

namespace Broadcast.Testing;

/// <summary>
/// Waits for a condition that becomes true asynchronously (a packet counted, a socket closed, a state reached), checking
/// it every 20 ms. The timeout only bounds a failing test: a passing one returns as soon as the condition holds, so it
/// is generous enough for a loaded 2-core machine.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>True once <paramref name="condition"/> holds, false if it did not within the timeout.</summary>
    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout);

    /// <inheritdoc cref="TrueAsync(Func{bool}, TimeSpan?)"/>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(Interval);
        }

        return true;
    }

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test with <paramref name="explain"/> after the timeout.</summary>
    public static async Task HoldsAsync(Func<bool> condition, Func<string> explain, TimeSpan? timeout = null)
    {
        if (!await TrueAsync(condition, timeout))
        {
            Assert.Fail($"Not true within {(timeout ?? DefaultTimeout).TotalSeconds} s. {explain()}");
        }
    }

    /// <summary>The value once <paramref name="read"/> gives one that <paramref name="condition"/> accepts; fails the test with the last one after the timeout.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, Func<T, string> explain, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Not true within {limit.TotalSeconds} s. {explain(value)}");
            }

            await Task.Delay(Interval);
        }
    }
}
