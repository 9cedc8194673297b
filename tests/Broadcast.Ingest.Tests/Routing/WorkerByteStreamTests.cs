using System.IO.Pipes;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>A pipe read on a worker's epoll loop (FFmpeg's stdout for the packager): every byte in order, then its end.</summary>
public sealed class WorkerByteStreamTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_byte_written_to_the_pipe_reaches_the_receiver_on_the_worker_in_order_then_the_end()
    {
        using var worker = new Worker(0);
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var receiver = new Receiver(worker);
        var registered = await worker.InvokeAsync(() => worker.AddByteStream(reader.SafePipeHandle, receiver) is not null);
        Assert.True(registered, "The worker's loop does not run on epoll here (Linux x64 expected).");

        var sent = new byte[300_000];
        new Random(7).NextBytes(sent);
        for (var at = 0; at < sent.Length; at += 7_000)
        {
            await writer.WriteAsync(sent.AsMemory(at, Math.Min(7_000, sent.Length - at)));
        }

        writer.Close();

        Assert.Null(await receiver.Ended.WaitAsync(Bound));
        Assert.Equal(sent, receiver.Bytes.ToArray());
        Assert.True(receiver.AllOnWorker);
    }

    [Fact]
    public async Task A_receiver_that_throws_ends_its_stream_with_that_exception_and_the_loop_goes_on()
    {
        using var worker = new Worker(0);
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var receiver = new Receiver(worker) { FailAfter = 1 };
        var registered = await worker.InvokeAsync(() => worker.AddByteStream(reader.SafePipeHandle, receiver) is not null);
        Assert.True(registered, "The worker's loop does not run on epoll here (Linux x64 expected).");

        await writer.WriteAsync(new byte[100]);

        Assert.IsType<InvalidDataException>(await receiver.Ended.WaitAsync(Bound));
        Assert.True(await worker.InvokeAsync(() => true).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_stopping_worker_ends_the_streams_it_reads()
    {
        var worker = new Worker(0);
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var receiver = new Receiver(worker);
        var registered = await worker.InvokeAsync(() => worker.AddByteStream(reader.SafePipeHandle, receiver) is not null);
        Assert.True(registered, "The worker's loop does not run on epoll here (Linux x64 expected).");

        worker.Dispose();

        Assert.IsType<WorkerClosedException>(await receiver.Ended.WaitAsync(Bound));
    }

    private sealed class Receiver(Worker worker) : IByteStreamReceiver
    {
        private readonly byte[] _buffer = new byte[4096];
        private readonly TaskCompletionSource<Exception?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public MemoryStream Bytes { get; } = new();
        public bool AllOnWorker { get; private set; } = true;
        public int? FailAfter { get; init; }
        public Task<Exception?> Ended => _ended.Task;

        public Span<byte> GetBuffer() => _buffer;

        public void OnBytes(int count)
        {
            AllOnWorker &= worker.IsCurrentThread;
            if (++_calls == FailAfter)
            {
                throw new InvalidDataException("refused");
            }

            Bytes.Write(_buffer, 0, count);
        }

        public void OnEnd(Exception? error)
        {
            AllOnWorker &= worker.IsCurrentThread;
            _ended.TrySetResult(error);
        }
    }
}
