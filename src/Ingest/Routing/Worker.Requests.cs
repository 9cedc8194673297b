namespace Broadcast.Ingest.Routing;

// The worker's request side: commands from other threads, their replies, and the failure rule when the worker stops.
public sealed partial class Worker
{
    /// <summary>
    /// Runs <paramref name="func"/> on the worker and returns its result (or exception); fails with
    /// <see cref="WorkerClosedException"/> if the worker stops first or has stopped.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<T> func)
    {
        if (IsCurrentThread && !_stopping)
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

        var reply = new Invocation<T>(this, func);
        return Submit(reply, Invocation<T>.Execute) ? reply.Task : Task.FromException<T>(new WorkerClosedException(Index));
    }

    public Task InvokeAsync(Action action) => InvokeAsync(() =>
    {
        action();
        return true;
    });

    /// <summary>
    /// As <see cref="InvokeAsync{T}(Func{T})"/>, for callers outside the media plane that must not wait on a stuck
    /// worker: after <paramref name="timeout"/> it fails with <see cref="WorkerTimeoutException"/>.
    /// </summary>
    public async Task<T> InvokeAsync<T>(Func<T> func, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await InvokeAsync(func).WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (ex is not WorkerTimeoutException)
        {
            throw new WorkerTimeoutException(Index, timeout);
        }
    }

    /// <summary>As <see cref="InvokeAsync(Action)"/>, failing with <see cref="WorkerTimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task InvokeAsync(Action action, TimeSpan timeout, CancellationToken cancellationToken = default) => InvokeAsync(() =>
    {
        action();
        return true;
    }, timeout, cancellationToken);

    /// <summary>
    /// Runs an asynchronous function whose continuations stay on the worker; fails with
    /// <see cref="WorkerClosedException"/> if the worker stops before the function completes.
    /// </summary>
    public Task<T> RunAsync<T>(Func<Task<T>> func)
    {
        var reply = new AsyncInvocation<T>(this, func);
        return Submit(reply, AsyncInvocation<T>.Execute) ? reply.Task : Task.FromException<T>(new WorkerClosedException(Index));
    }

    // Registers the reply (refused once stopping) and queues its execution.
    private bool Submit(IPendingReply reply, SendOrPostCallback execute)
    {
        lock (_pendingLock)
        {
            if (_stopping)
            {
                return false;
            }

            _pending.Add(reply);
        }

        // If a stop comes in between, it has already failed the reply; running or dropping the item changes nothing.
        Post(execute, reply);
        return true;
    }

    private void Answered(IPendingReply reply)
    {
        lock (_pendingLock)
        {
            _pending.Remove(reply);
        }
    }

    private interface IPendingReply
    {
        void Fail(Exception error);
    }

    // A synchronous request: its reply is its own task.
    private sealed class Invocation<T>(Worker worker, Func<T> func)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IPendingReply
    {
        public static readonly SendOrPostCallback Execute = static state => ((Invocation<T>)state!).Run();

        public void Fail(Exception error) => TrySetException(error);

        private void Run()
        {
            try
            {
                TrySetResult(func());
            }
            catch (Exception ex)
            {
                TrySetException(ex);
            }
            finally
            {
                worker.Answered(this);
            }
        }
    }

    // An asynchronous request: answered when the task it starts on the worker completes, or failed by a stop.
    private sealed class AsyncInvocation<T>(Worker worker, Func<Task<T>> func)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IPendingReply
    {
        public static readonly SendOrPostCallback Execute = static state => ((AsyncInvocation<T>)state!).Run();

        public void Fail(Exception error) => TrySetException(error);

        private void Run()
        {
            Task<T> task;
            try
            {
                task = func();
            }
            catch (Exception ex)
            {
                TrySetException(ex);
                worker.Answered(this);
                return;
            }

            _ = CompleteAsync(task);
        }

        private async Task CompleteAsync(Task<T> task)
        {
            try
            {
                TrySetResult(await task.ConfigureAwait(false));
            }
            catch (OperationCanceledException ex) when (task.IsCanceled)
            {
                TrySetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                TrySetException(task.Exception?.InnerExceptions ?? [ex]);
            }
            finally
            {
                worker.Answered(this);
            }
        }
    }
}
