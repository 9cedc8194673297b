namespace Broadcast.Ingest.Routing;

/// <summary>
/// The worker stopped before it answered: a request queued or running when it stopped, or posted afterwards.
/// An <see cref="ObjectDisposedException"/>, so callers that already handle a disposed media plane keep doing so.
/// </summary>
public sealed class WorkerClosedException(int workerIndex)
    : ObjectDisposedException($"media-worker-{workerIndex}", $"Media worker {workerIndex} stopped before it answered.")
{
    public int WorkerIndex { get; } = workerIndex;
}

/// <summary>The worker did not answer within the time its caller allows: it is stuck or overloaded.</summary>
public sealed class WorkerTimeoutException(int workerIndex, TimeSpan timeout)
    : TimeoutException($"Media worker {workerIndex} did not answer within {timeout.TotalSeconds:0.###} s.")
{
    public int WorkerIndex { get; } = workerIndex;
    public TimeSpan Timeout { get; } = timeout;
}
