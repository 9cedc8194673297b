using System.Net;
using System.Net.Sockets;

namespace Broadcast.E2E.Tests;

/// <summary>
/// A loopback UDP relay between a WebRTC viewer and the appliance that drops a share of the RTP going to the viewer
/// (never STUN, DTLS or RTCP, so the session itself stays up): the viewer sends to <see cref="Port"/>, the appliance
/// sees the relay as the viewer. Drops are drawn from a seeded generator, so a run is repeatable.
/// </summary>
internal sealed class LossyRelay : IAsyncDisposable
{
    private readonly Socket _viewerSide = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _serverSide = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;
    private readonly double _lossRate;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _toServer;
    private readonly Task _toViewer;
    private volatile EndPoint? _viewer;
    private long _dropped;
    private long _forwarded;

    public LossyRelay(IPEndPoint server, double lossRate, int seed)
    {
        _server = server;
        _lossRate = lossRate;
        _random = new Random(seed);
        _viewerSide.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _serverSide.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _toServer = Task.Run(() => PumpToServerAsync(_stop.Token));
        _toViewer = Task.Run(() => PumpToViewerAsync(_stop.Token));
    }

    /// <summary>Where the viewer sends.</summary>
    public int Port => ((IPEndPoint)_viewerSide.LocalEndPoint!).Port;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Forwarded => Interlocked.Read(ref _forwarded);

    private async Task PumpToServerAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var received = await _viewerSide.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            _viewer = received.RemoteEndPoint;
            await _serverSide.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, _server, cancellationToken);
        }
    }

    private async Task PumpToViewerAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var received = await _serverSide.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            if (_viewer is not { } viewer)
            {
                continue;
            }

            if (IsRtp(buffer.AsSpan(0, received.ReceivedBytes)) && _random.NextDouble() < _lossRate)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }

            Interlocked.Increment(ref _forwarded);
            await _viewerSide.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, viewer, cancellationToken);
        }
    }

    // RFC 7983: RTP and RTCP start with 128..191; RTCP's packet types 192..223 sit where RTP has marker + PT 64..95.
    private static bool IsRtp(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= 12 && datagram[0] is >= 128 and <= 191 && (datagram[1] & 0x7F) is < 64 or > 95;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _viewerSide.Dispose();
        _serverSide.Dispose();
        try
        {
            await Task.WhenAll(_toServer, _toViewer);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }

        _stop.Dispose();
    }
}
