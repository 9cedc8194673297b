using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>The worker actor's request rules: answers come from the loop, and a stopped loop fails every request at once.</summary>
public sealed class WorkerTests
{
    // Bounds an await that must already be complete: a failure shows as a timeout instead of a hung run.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task InvokeAsync_runs_on_the_worker_and_returns_the_result_or_the_exception()
    {
        using var worker = new Worker(0);

        Assert.True(await worker.InvokeAsync(() => worker.IsCurrentThread));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.InvokeAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task RunAsync_keeps_the_continuations_of_its_function_on_the_worker()
    {
        using var worker = new Worker(0);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = worker.RunAsync(async () =>
        {
            await later.Task;
            return worker.IsCurrentThread;
        });
        later.SetResult();

        Assert.True(await run.WaitAsync(Bound));
    }

    [Fact]
    public async Task When_a_worker_stops_every_queued_request_fails_at_once_without_running()
    {
        var worker = new Worker(0);
        using var gate = new ManualResetEventSlim(false);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Post(() =>
        {
            busy.SetResult();
            gate.Wait(); // holds the loop while requests queue up behind it
        });
        await busy.Task;
        var ran = 0;
        var queued = new List<Task>
        {
            worker.InvokeAsync(() => Interlocked.Increment(ref ran)),
            worker.InvokeAsync(() => { Interlocked.Increment(ref ran); }),
            worker.RunAsync(() => Task.FromResult(Interlocked.Increment(ref ran))),
        };
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        var stopping = Task.Run(worker.Dispose); // returns once the busy item ends

        foreach (var request in queued)
        {
            // The loop is still held by the gate: only the stop itself can have failed these.
            var error = await Assert.ThrowsAsync<WorkerClosedException>(() => request.WaitAsync(Bound));
            Assert.Equal(0, error.WorkerIndex);
        }

        Assert.False(stopping.IsCompleted);
        gate.Set();
        await stopping.WaitAsync(Bound);
        Assert.Equal(0, Volatile.Read(ref ran));
    }

    [Fact]
    public async Task When_a_worker_stops_an_asynchronous_request_still_awaiting_fails_at_once()
    {
        var worker = new Worker(0);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = worker.RunAsync(async () =>
        {
            started.SetResult();
            return await never.Task;
        });
        await started.Task;

        worker.Dispose();

        await Assert.ThrowsAsync<WorkerClosedException>(() => running.WaitAsync(Bound));
    }

    [Fact]
    public async Task Work_posted_to_a_stopped_worker_fails_at_once()
    {
        var worker = new Worker(0);
        worker.Dispose();
        var ran = false;

        var invoke = worker.InvokeAsync(() => ran = true);
        var action = worker.InvokeAsync(() => { ran = true; });
        var run = worker.RunAsync(() => Task.FromResult(ran = true));
        var timed = worker.InvokeAsync(() => ran = true, Bound);

        Assert.True(invoke.IsFaulted);
        Assert.True(action.IsFaulted);
        Assert.True(run.IsFaulted);
        await Assert.ThrowsAsync<WorkerClosedException>(() => invoke);
        await Assert.ThrowsAsync<WorkerClosedException>(() => action);
        await Assert.ThrowsAsync<WorkerClosedException>(() => run);
        await Assert.ThrowsAsync<WorkerClosedException>(() => timed.WaitAsync(Bound));
        Assert.False(worker.Post(() => ran = true));
        Assert.True(worker.IsStopped);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_worker_that_does_not_answer_in_time_fails_the_request_with_a_timeout_naming_it()
    {
        var clock = new ManualClock();
        using var worker = new Worker(3, clock);
        using var gate = new ManualResetEventSlim(false);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Post(() =>
        {
            busy.SetResult();
            gate.Wait();
        });
        await busy.Task;

        var request = worker.InvokeAsync(() => 1, TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(request.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var error = await Assert.ThrowsAsync<WorkerTimeoutException>(() => request.WaitAsync(Bound));

        Assert.Equal(3, error.WorkerIndex);
        Assert.Equal("Media worker 3 did not answer within 5 s.", error.Message);
        gate.Set();
        Assert.Equal(2, await worker.InvokeAsync(() => 2, TimeSpan.FromSeconds(5))); // answers again once free
    }

    [Fact]
    public async Task Synchronous_calls_from_another_thread_are_refused_instead_of_blocking()
    {
        using var worker = new Worker(0);
        var context = await worker.InvokeAsync(() => SynchronizationContext.Current!).WaitAsync(Bound);

        Assert.Throws<NotSupportedException>(() => context.Send(_ => { }, null));
    }

    // A clock whose timers fire only when it is advanced (one-shot timers are all WaitAsync needs).
    private sealed class ManualClock : TimeProvider
    {
        private readonly Lock _lock = new();
        private readonly List<ManualTimer> _timers = [];
        private TimeSpan _now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        public void Advance(TimeSpan by)
        {
            List<ManualTimer> due;
            lock (_lock)
            {
                _now += by;
                due = _timers.FindAll(t => t.Due <= _now);
                _timers.RemoveAll(due.Contains);
            }

            foreach (var timer in due)
            {
                timer.Fire();
            }
        }

        private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
        {
            public TimeSpan Due { get; private set; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (clock._lock)
                {
                    clock._timers.Remove(this);
                    if (dueTime != Timeout.InfiniteTimeSpan)
                    {
                        Due = clock._now + dueTime;
                        clock._timers.Add(this);
                    }
                }

                return true;
            }

            public void Fire() => callback(state);

            public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
