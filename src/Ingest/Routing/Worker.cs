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
/// </summary>
public sealed partial class Worker : IDisposable
{
    private readonly ConcurrentQueue<WorkItem> _queue = new();
    // A short spin keeps the wake-up cheap under load without burning a core when idle.
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 10);
    private readonly Thread _thread;
    private readonly WorkerSynchronizationContext _context;
    private readonly int _epoll = -1;
    private readonly int _wakeFd = -1;
    private int _waiting;
    private volatile bool _stopping;
    private long _executed;
    internal int _routerCount;

    public Worker(int index)
    {
        Index = index;
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

    public bool IsCurrentThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    public void Post(SendOrPostCallback callback, object? state)
    {
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
    }

    public void Post(Action action) => Post(static s => ((Action)s!)(), action);

    /// <summary>Runs <paramref name="func"/> on the worker and returns its result (or exception).</summary>
    public Task<T> InvokeAsync<T>(Func<T> func)
    {
        if (IsCurrentThread)
        {
            try
            {
                return Task.FromResult(func());
            }
            catch (Exception ex)
            {
                return Task.FromException<T>(ex);
            }
        }

        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                completion.SetResult(func());
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        });
        return completion.Task;
    }

    public Task InvokeAsync(Action action) => InvokeAsync(() =>
    {
        action();
        return true;
    });

    /// <summary>Runs an asynchronous function whose continuations stay on the worker.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> func) => InvokeAsync<Task<T>>(func).Unwrap();

    /// <summary>Starts a long-running loop (e.g. a socket receive loop) whose awaits resume on this worker.</summary>
    public void Start(Func<Task> loop) => Post(() => _ = loop());

    private void Run()
    {
        SynchronizationContext.SetSynchronizationContext(_context);
        var events = new LinuxEpoll.EpollEvent[64];
        while (!_stopping)
        {
            RunQueuedItems();
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
    }

    private void RunQueuedItems()
    {
        while (_queue.TryDequeue(out var item))
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

    public void Dispose()
    {
        _stopping = true;
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

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (worker.IsCurrentThread)
            {
                d(state);
            }
            else
            {
                worker.InvokeAsync(() => d(state)).GetAwaiter().GetResult();
            }
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}

/// <summary>One worker per core by default; routers are assigned round-robin.</summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Worker[] _workers;
    private int _next = -1;

    public WorkerPool(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _workers = new Worker[count];
        for (var i = 0; i < count; i++)
        {
            _workers[i] = new Worker(i);
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
