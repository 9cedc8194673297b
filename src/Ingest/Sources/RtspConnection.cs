using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Rtsp;

namespace Broadcast.Ingest.Sources;

/// <summary>Receives the interleaved frames of a connection on its reader task; must not block.</summary>
public interface IInterleavedSink
{
    /// <summary>One frame; <paramref name="payload"/> is valid only during the call.</summary>
    void OnInterleavedFrame(byte channel, ReadOnlySpan<byte> payload);

    /// <summary>Called after the frames of one socket read were handed over.</summary>
    void OnReadCompleted();
}

/// <summary>
/// One TCP connection to a camera: requests with CSeq matched to their answers, and interleaved frames handed to a
/// sink. A reader task owns the socket's receive side (it parses on the thread pool, never on a media worker);
/// writes are serialised so an RTCP frame never splits a request.
/// </summary>
public sealed class RtspConnection : IAsyncDisposable
{
    private const int ReadBufferLength = 64 * 1024;
    // The largest interleaved frame (4 + 65535) or message must fit.
    private const int MaxBufferLength = 4 + ushort.MaxValue + RtspMessageReader.MaxBodyBytes;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<RtspResponse>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IInterleavedSink? _sink;
    private int _cseq;
    private int _disposed;

    private RtspConnection(Socket socket)
    {
        _socket = socket;
        var remote = ((System.Net.IPEndPoint)socket.RemoteEndPoint!).Address;
        RemoteAddress = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        _ = Task.Run(ReadLoopAsync);
    }

    /// <summary>The camera's address (where UDP media comes from).</summary>
    public System.Net.IPAddress RemoteAddress { get; }

    /// <summary>Completes when the camera closed the connection, it failed, or it was disposed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the connection ended, when it was not disposed by us.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Bytes skipped because they started neither a message nor an interleaved frame.</summary>
    public long BytesSkipped => Interlocked.Read(ref _bytesSkipped);

    /// <summary>Interleaved frames read (whether or not a sink took them).</summary>
    public long InterleavedFrames => Interlocked.Read(ref _interleavedFrames);

    private long _bytesSkipped;
    private long _interleavedFrames;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <exception cref="RtspSessionException">Unreachable: refused, timed out, unknown host.</exception>
    public static async Task<RtspConnection> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(true);
            return new RtspConnection(socket);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RtspSessionException(RtspFailure.Unreachable, string.Create(CultureInfo.InvariantCulture,
                $"No answer from {host}:{port} within {timeout.TotalSeconds:0.#} s."));
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new RtspSessionException(RtspFailure.Unreachable, string.Create(CultureInfo.InvariantCulture,
                $"Cannot connect to {host}:{port}: {Describe(ex.SocketErrorCode)}."), ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Where interleaved frames go from now on; null drops them.</summary>
    public void SetSink(IInterleavedSink? sink) => _sink = sink;

    /// <summary>Sends <paramref name="request"/> with the next CSeq and waits for its answer.</summary>
    /// <exception cref="RtspSessionException">No answer in time, or the connection ended.</exception>
    public async Task<RtspResponse> SendAsync(RtspRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cseq = Interlocked.Increment(ref _cseq);
        request.Headers.Set("CSeq", cseq.ToString(CultureInfo.InvariantCulture));
        var answer = new TaskCompletionSource<RtspResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[cseq] = answer;
        try
        {
            await WriteAsync(request.ToArray(), cancellationToken).ConfigureAwait(true);
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var finished = await Task.WhenAny(answer.Task, Closed, Task.Delay(timeout, delay.Token)).ConfigureAwait(true);
            await delay.CancelAsync().ConfigureAwait(true);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished == answer.Task)
            {
                return await answer.Task.ConfigureAwait(true);
            }

            throw finished == Closed
                ? new RtspSessionException(RtspFailure.Failed, $"The camera closed the connection during {request.Method}{Reason()}.")
                : new RtspSessionException(RtspFailure.Failed, string.Create(CultureInfo.InvariantCulture,
                    $"No answer to {request.Method} within {timeout.TotalSeconds:0.#} s."));
        }
        finally
        {
            _pending.TryRemove(cseq, out _);
        }
    }

    /// <summary>Queues one interleaved frame (RTCP towards the camera) without waiting; false when the connection is gone.</summary>
    public bool TrySendInterleaved(byte channel, ReadOnlySpan<byte> payload)
    {
        if (Closed.IsCompleted)
        {
            return false;
        }

        // Rare (receiver reports every few seconds, key frame requests): a copy per frame is fine here.
        var frame = new byte[RtspMessageReader.InterleavedHeaderLength + payload.Length];
        if (!RtspMessageReader.TryWriteInterleavedHeader(frame, channel, payload.Length))
        {
            return false;
        }

        payload.CopyTo(frame.AsSpan(RtspMessageReader.InterleavedHeaderLength));
        _ = WriteQuietlyAsync(frame);
        return true;
    }

    private async Task WriteQuietlyAsync(byte[] bytes)
    {
        try
        {
            await WriteAsync(bytes, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RtspSessionException or OperationCanceledException or ObjectDisposedException)
        {
            // The reader notices the end of the connection; a lost RTCP frame is not an error.
        }
    }

    private async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            Close($"sending failed: {Describe(ex.SocketErrorCode)}");
            throw new RtspSessionException(RtspFailure.Failed, $"Sending to the camera failed: {Describe(ex.SocketErrorCode)}.", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new RtspSessionException(RtspFailure.Failed, "The connection is closed.", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[ReadBufferLength];
        var count = 0;
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                if (count == buffer.Length)
                {
                    if (buffer.Length >= MaxBufferLength)
                    {
                        Close("a frame larger than any RTSP message");
                        return;
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxBufferLength));
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    Close("closed by the camera");
                    return;
                }

                count += read;
                var consumed = Parse(buffer.AsSpan(0, count));
                _sink?.OnReadCompleted();
                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, count - consumed).CopyTo(buffer);
                    count -= consumed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Close(null);
        }
        catch (SocketException ex)
        {
            Close(Describe(ex.SocketErrorCode));
        }
        catch (ObjectDisposedException)
        {
            Close(null);
        }
    }

    // Splits what was read into frames; returns the bytes consumed. Wire input never throws.
    private int Parse(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (offset < data.Length)
        {
            var rest = data[offset..];
            switch (RtspMessageReader.TryReadFrame(rest, out var length, out var channel))
            {
                case RtspFrameKind.Incomplete:
                    return offset;
                case RtspFrameKind.Invalid:
                    Interlocked.Increment(ref _bytesSkipped);
                    offset++;
                    continue;
                case RtspFrameKind.Interleaved:
                    Interlocked.Increment(ref _interleavedFrames);
                    _sink?.OnInterleavedFrame(channel, rest[RtspMessageReader.InterleavedHeaderLength..length]);
                    break;
                case RtspFrameKind.Message:
                    OnMessage(rest[..length]);
                    break;
            }

            offset += length;
        }

        return offset;
    }

    private void OnMessage(ReadOnlySpan<byte> message)
    {
        if (RtspResponse.TryParse(message, out var response))
        {
            if (_pending.TryGetValue(response.CSeq, out var answer))
            {
                answer.TrySetResult(response);
            }

            return;
        }

        if (RtspRequest.TryParse(message, out var request))
        {
            // Servers rarely ask anything of a client (GET_PARAMETER as a ping, ANNOUNCE): say it is not implemented.
            var reply = $"RTSP/1.0 501 Not Implemented\r\nCSeq: {request.CSeq.ToString(CultureInfo.InvariantCulture)}\r\n\r\n";
            _ = WriteQuietlyAsync(System.Text.Encoding.ASCII.GetBytes(reply));
        }
    }

    private void Close(string? reason)
    {
        CloseReason ??= reason;
        _closed.TrySetResult();
    }

    private string Reason() => CloseReason is null ? "" : $" ({CloseReason})";

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.HostNotFound or SocketError.NoData => "unknown host",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "no route to the host",
        SocketError.TimedOut => "timed out",
        _ => error.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _sink = null;
        await _closing.CancelAsync().ConfigureAwait(false);
        Close(null);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already gone
        }

        _socket.Dispose();
        _closing.Dispose();
        _writeLock.Dispose();
    }
}
