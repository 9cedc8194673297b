using System.Collections.Concurrent;
using Broadcast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Ingest.Tests.Sources;

/// <summary>
/// A fake clock that also tells which timers code has started on it (each <c>Task.Delay(…, clock)</c> is one), so a
/// test can advance it exactly when the code is waiting, never before: a step then is exactly one turn of the code.
/// </summary>
internal sealed class ObservedClock : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _started = new();

    public int TimersStarted => _started.Count;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _started.Enqueue(dueTime);
        return timer;
    }

    /// <summary>Returns once more than <paramref name="seen"/> timers were started, the last one due in <paramref name="dueTime"/>.</summary>
    public Task WaitForTimerAsync(int seen, TimeSpan dueTime) =>
        Eventually.HoldsAsync(() => _started.Count > seen && _started.Last() == dueTime,
            () => $"{_started.Count} timers started, none more due in {dueTime} (last: {string.Join(", ", _started.TakeLast(3))})");
}
