using System.Collections.Concurrent;
using System.Net;
using Broadcast.Ingest.Net;

namespace Broadcast.Ingest.Routing;

/// <summary>Receives the datagrams of a socket registered with a <see cref="Worker"/>; called on the worker.</summary>
public interface IDatagramReceiver
{
    /// <summary>One datagram; <paramref name="datagram"/> and <paramref name="source"/> are only valid during the call.</summary>
    void OnDatagram(Span<byte> datagram, SocketAddress source);
}

/// <summary>
/// An event loop on its own thread. Every router lives on one worker: its state changes only here, so the packet
/// path needs no lock. On Linux the loop waits in epoll on its sockets and an eventfd, and reads each ready socket
/// with non-blocking recvfrom until it is empty: one thread and no hand-off per packet, like a libuv loop. Elsewhere
/// sockets use async receives whose continuations are posted here. The worker is also the thread's
/// <see cref="SynchronizationContext"/>, and callers from other threads post commands with <see cref="InvokeAsync{T}(Func{T})"/>.
/// <para>
/// When the worker stops, every request not yet answered (queued, or running an asynchronous part) fails at once
/// with <see cref="WorkerClosedException"/>, and so does every request made afterwards: nobody waits forever on a
/// dead loop. Plain <see cref="Post(SendOrPostCallback, object?)"/> callbacks have nobody to tell; they are dropped.
/// </para>
/// </summary>
public sealed partial class Worker : IDisposable
{
    /// <summary>How long callers outside the media plane (requests, jobs) wait for a worker's answer by default.</summary>
    public static readonly TimeSpan DefaultAnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<WorkItem> _queue = new();
    // A short spin keeps the wake-up cheap under load without burning a core when idle.
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 10);
    private readonly Thread _thread;
    private readonly WorkerSynchronizationContext _context;
    private readonly int _epoll = -1;
    private readonly int _wakeFd = -1;
    // Requests not yet answered; guarded by _pendingLock together with the stop flag, so none slips past a stop.
    private readonly HashSet<IPendingReply> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly TimeProvider _time;
    private int _waiting;
    private volatile bool _stopping;
    private int _disposed;
    private long _executed;
    internal int _routerCount;

    /// <param name="index">The worker's number, in its thread's name and in errors.</param>
    /// <param name="time">The clock of answer timeouts; the system clock when null.</param>
    public Worker(int index, TimeProvider? time = null)
    {
        Index = index;
        _time = time ?? TimeProvider.System;
        if (LinuxEpoll.IsSupported)
        {
            _epoll = LinuxEpoll.Create();
            _wakeFd = LinuxEpoll.CreateEventFd();
            LinuxEpoll.Add(_epoll, _wakeFd, WakeToken);
        }

        _context = new WorkerSynchronizationContext(this);
        _thread = new Thread(Run) { IsBackground = true, Name = $"media-worker-{index}" };
        _thread.Start();
    }

    public int Index { get; }

    /// <summary>Number of routers assigned to this worker (maintained by <see cref="MediaServer"/>).</summary>
    public int RouterCount => Volatile.Read(ref _routerCount);

    /// <summary>Items executed since start; a cheap liveness and load figure for stats.</summary>
    public long ExecutedItems => Volatile.Read(ref _executed);

    /// <summary>True once <see cref="Dispose"/> has begun: the loop takes no more work.</summary>
    public bool IsStopped => _stopping;

    public bool IsCurrentThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    /// <summary>Queues <paramref name="callback"/> on the loop; false (and dropped) once the worker has stopped.</summary>
    public bool Post(SendOrPostCallback callback, object? state)
    {
        if (_stopping)
        {
            return false;
        }

        _queue.Enqueue(new WorkItem(callback, state));
        // Enqueue is a full fence; pairs with the fence in Run before the queue is checked again.
        if (Volatile.Read(ref _waiting) == 1)
        {
            if (_epoll >= 0)
            {
                LinuxEpoll.Signal(_wakeFd);
            }
            else
            {
                _signal.Set();
            }
        }

        return true;
    }

    public bool Post(Action action) => Post(static s => ((Action)s!)(), action);

    private void Run()
    {
        SynchronizationContext.SetSynchronizationContext(_context);
        var events = new LinuxEpoll.EpollEvent[64];
        while (!_stopping)
        {
            RunQueuedItems();
            FlushSends();
            Interlocked.Exchange(ref _waiting, 1);
            if (_epoll >= 0)
            {
                var count = LinuxEpoll.Wait(_epoll, events, _queue.IsEmpty && !_stopping ? -1 : 0);
                Volatile.Write(ref _waiting, 0);
                for (var i = 0; i < count; i++)
                {
                    var token = events[i].Data;
                    if (token == WakeToken)
                    {
                        LinuxEpoll.Drain(_wakeFd);
                    }
                    else if (_streams.TryGetValue(token, out var stream))
                    {
                        PumpStream(stream);
                    }
                    else if (_receivers.TryGetValue(token, out var registration))
                    {
                        try
                        {
                            Pump(registration);
                        }
#pragma warning disable CA1031 // A bug in one packet's handling must not stop the loop that serves every router here.
                        catch (Exception ex)
#pragma warning restore CA1031
                        {
                            UnhandledException?.Invoke(ex);
                        }
                    }
                }

                FlushSends();
            }
            else
            {
                _signal.Reset();
                Interlocked.Exchange(ref _waiting, 1);
                if (_queue.IsEmpty && !_stopping)
                {
                    _signal.Wait();
                }

                Volatile.Write(ref _waiting, 0);
            }
        }

        _queue.Clear(); // failed replies and plain callbacks nobody will run
        if (_epoll >= 0)
        {
            EndAllStreams();
        }
    }

    private void RunQueuedItems()
    {
        // Checked per item: once the worker stops, what is still queued was failed by the stop and must not run.
        while (!_stopping && _queue.TryDequeue(out var item))
        {
            _executed++;
            try
            {
                item.Callback(item.State);
            }
#pragma warning disable CA1031 // The loop must survive any one item; the item reports its own errors.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                UnhandledException?.Invoke(ex);
            }
        }
    }

    /// <summary>Called with exceptions that escaped a work item; the host logs them.</summary>
    public Action<Exception>? UnhandledException { get; set; }

    /// <summary>
    /// Stops the loop. Every request not yet answered fails at once with <see cref="WorkerClosedException"/>; then
    /// the loop finishes the item it is running (waited for up to 5 s) and its descriptors are closed.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        IPendingReply[] unanswered;
        lock (_pendingLock)
        {
            _stopping = true;
            unanswered = [.. _pending];
            _pending.Clear();
        }

        foreach (var reply in unanswered)
        {
            reply.Fail(new WorkerClosedException(Index)); // continuations run asynchronously: none runs here
        }

        if (_epoll >= 0)
        {
            LinuxEpoll.Signal(_wakeFd);
        }

        _signal.Set();
        if (!IsCurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        if (_epoll >= 0)
        {
            LinuxEpoll.Close(_epoll);
            LinuxEpoll.Close(_wakeFd);
        }

        _signal.Dispose();
    }

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);

    private sealed class WorkerSynchronizationContext(Worker worker) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) => worker.Post(d, state);

        // Waiting on the loop from another thread is how deadlocks start: callers post or use InvokeAsync instead.
        public override void Send(SendOrPostCallback d, object? state)
        {
            if (!worker.IsCurrentThread)
            {
                throw new NotSupportedException("A media worker takes no synchronous calls from other threads; post or await InvokeAsync.");
            }

            d(state);
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}

/// <summary>One worker per core by default; routers are assigned round-robin.</summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Worker[] _workers;
    private int _next = -1;

    public WorkerPool(int count, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _workers = new Worker[count];
        for (var i = 0; i < count; i++)
        {
            _workers[i] = new Worker(i, time);
        }
    }

    public IReadOnlyList<Worker> Workers => _workers;

    public Worker Next()
    {
        var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_workers.Length);
        return _workers[index];
    }

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }
    }
}
