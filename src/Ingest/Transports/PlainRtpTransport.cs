using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>Options of a plain RTP transport (mediasoup's PlainTransportOptions).</summary>
public sealed record PlainTransportOptions
{
    /// <summary>Address to bind; default the configured MEDIASOUP_LISTEN_IP.</summary>
    public string? ListenIp { get; init; }

    /// <summary>Address reported as tuple.localIp; default MEDIASOUP_ANNOUNCED_IP, else the listen address.</summary>
    public string? AnnouncedIp { get; init; }

    /// <summary>RTP and RTCP on one port (default true); false gives RTCP its own port (rtcpTuple).</summary>
    public bool RtcpMux { get; init; } = true;

    /// <summary>Learn the remote address from the first packet received instead of from connect (default false).</summary>
    public bool Comedia { get; init; }
}

/// <summary>One side of a transport's 5-tuple, with mediasoup's field names (localIp kept for older clients).</summary>
public sealed record TransportTuple(string LocalAddress, string LocalIp, int LocalPort, string? RemoteIp, int? RemotePort, string Protocol = "udp");

/// <summary>
/// Plain RTP over UDP, for FFmpeg/GStreamer publishers (usually comedia) and for the HLS pipeline's consumers towards
/// FFmpeg (connect). The remote address is fixed by connect or, with comedia, by the first packet; datagrams from any
/// other source are dropped and counted.
/// </summary>
public sealed class PlainRtpTransport : Transport
{
    private readonly SocketRegistration _rtpRegistration;
    private readonly SocketRegistration? _rtcpRegistration;

    private readonly PortAllocator _ports;
    private readonly Socket _rtpSocket;
    private readonly Socket? _rtcpSocket;
    private readonly string _advertisedIp;
    private SocketAddress? _remoteRtp;
    private SocketAddress? _remoteRtcp;
    private IPEndPoint? _remoteRtpEndPoint;
    private IPEndPoint? _remoteRtcpEndPoint;
    private volatile bool _released;

    /// <summary>Made by <see cref="TransportFactory"/>, on the router's worker.</summary>
    internal PlainRtpTransport(string id, Router router, PlainTransportOptions options, PortAllocator ports, MediaOptions media)
        : base(id, router)
    {
        _ports = ports;
        RtcpMux = options.RtcpMux;
        Comedia = options.Comedia;
        var listenIp = options.ListenIp ?? media.ListenIp;
        if (!IPAddress.TryParse(listenIp, out var listenAddress))
        {
            throw new InvalidFieldException("listenIp", $"'{listenIp}' is not an IP address.");
        }

        _advertisedIp = options.AnnouncedIp ?? (options.ListenIp is null ? media.AdvertisedIp : listenIp);
        _rtpSocket = ports.BindUdp(listenAddress, media.SocketBufferBytes);
        try
        {
            _rtcpSocket = RtcpMux ? null : ports.BindUdp(listenAddress, media.SocketBufferBytes);
        }
        catch
        {
            ReleaseSocket(_rtpSocket);
            throw;
        }

        // Constructed on the router's worker, which from now on reads these sockets.
        _rtpRegistration = Worker.AddReceiver(_rtpSocket, new Receiver(this, isRtcpSocket: false));
        _rtcpRegistration = _rtcpSocket is null ? null : Worker.AddReceiver(_rtcpSocket, new Receiver(this, isRtcpSocket: true));
    }

    public override string Type => "plain";

    public override bool CanConsume => true;

    public bool RtcpMux { get; }
    public bool Comedia { get; }
    public override bool IsConnected => _remoteRtp is not null;
    public long DroppedUnknownSource { get; private set; }

    public int LocalPort => ((IPEndPoint)_rtpSocket.LocalEndPoint!).Port;
    public int? LocalRtcpPort => _rtcpSocket is null ? null : ((IPEndPoint)_rtcpSocket.LocalEndPoint!).Port;

    public TransportTuple Tuple => new(_advertisedIp, _advertisedIp, LocalPort,
        _remoteRtpEndPoint?.Address.ToString(), _remoteRtpEndPoint?.Port);

    public TransportTuple? RtcpTuple => LocalRtcpPort is { } port
        ? new TransportTuple(_advertisedIp, _advertisedIp, port, _remoteRtcpEndPoint?.Address.ToString(), _remoteRtcpEndPoint?.Port)
        : null;

    /// <summary>Sets the remote address (mediasoup's connect({ip, port, rtcpPort})).</summary>
    public Task ConnectAsync(string? ip, int? port, int? rtcpPort) => Worker.InvokeAsync(() => Connect(ip, port, rtcpPort));

    private void Connect(string? ip, int? port, int? rtcpPort)
    {
        ThrowIfClosed();
        if (Comedia)
        {
            throw new ConflictException("A comedia transport learns its remote address from the first packet; connect is not allowed.");
        }

        if (_remoteRtp is not null)
        {
            throw new ConflictException("connect() was already called on this transport.");
        }

        if (string.IsNullOrWhiteSpace(ip) || !IPAddress.TryParse(ip, out var address))
        {
            throw new InvalidFieldException("ip", $"'{ip}' is not an IP address.");
        }

        if (address.AddressFamily != _rtpSocket.AddressFamily)
        {
            throw new InvalidFieldException("ip", $"'{ip}' is not of the listen address's family.");
        }

        if (port is not (>= 1 and <= 65535))
        {
            throw new InvalidFieldException("port", "port must be 1..65535.");
        }

        if (!RtcpMux && rtcpPort is not (>= 1 and <= 65535))
        {
            throw new InvalidFieldException("rtcpPort", "rtcpPort (1..65535) is required when rtcpMux is false.");
        }

        _remoteRtpEndPoint = new IPEndPoint(address, port.Value);
        _remoteRtp = _remoteRtpEndPoint.Serialize();
        _remoteRtcpEndPoint = RtcpMux ? _remoteRtpEndPoint : new IPEndPoint(address, rtcpPort!.Value);
        _remoteRtcp = RtcpMux ? _remoteRtp : _remoteRtcpEndPoint.Serialize();
    }

    private void OnDatagram(Span<byte> datagram, SocketAddress source, bool isRtcpSocket)
    {
        if (IsClosed)
        {
            return;
        }

        var expected = isRtcpSocket ? _remoteRtcp : _remoteRtp;
        if (expected is null)
        {
            if (!Comedia)
            {
                DroppedNotConnected++;
                return;
            }

            LearnRemote(source, isRtcpSocket);
        }
        else if (!source.Equals(expected))
        {
            DroppedUnknownSource++;
            return;
        }

        if (RtcpHeader.IsRtcp(datagram))
        {
            OnRtcp(datagram);
        }
        else if (!isRtcpSocket)
        {
            OnRtp(datagram);
        }
        else
        {
            DroppedMalformed++;
        }
    }

    // Comedia: the first packet fixes the tuple (mediasoup semantics). Rare path: allocation is fine.
    private void LearnRemote(SocketAddress source, bool isRtcpSocket)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(copy);
        if (isRtcpSocket)
        {
            _remoteRtcp = copy;
            _remoteRtcpEndPoint = endPoint;
            return;
        }

        _remoteRtp = copy;
        _remoteRtpEndPoint = endPoint;
        if (RtcpMux)
        {
            _remoteRtcp = copy;
            _remoteRtcpEndPoint = endPoint;
        }
    }

    protected internal override bool SendRtp(ReadOnlySpan<byte> packet)
    {
        if (_remoteRtp is not { } remote || _released)
        {
            DroppedNotConnected++;
            return false;
        }

        if (!CountSend(DatagramSender.TrySend(_rtpSocket, packet, remote)))
        {
            return false;
        }

        RtpPacketsSent++;
        BytesSent += packet.Length;
        return true;
    }

    protected internal override bool SendRtcp(ReadOnlySpan<byte> packet)
    {
        if (_remoteRtcp is not { } remote || _released)
        {
            return false;
        }

        if (!CountSend(DatagramSender.TrySend(_rtcpSocket ?? _rtpSocket, packet, remote)))
        {
            return false;
        }

        RtcpPacketsSent++;
        BytesSent += packet.Length;
        return true;
    }

    protected override void ReleaseResources()
    {
        _released = true;
        _rtpRegistration.Dispose();
        _rtcpRegistration?.Dispose();
        ReleaseSocket(_rtpSocket);
        if (_rtcpSocket is not null)
        {
            ReleaseSocket(_rtcpSocket);
        }
    }

    private sealed class Receiver(PlainRtpTransport transport, bool isRtcpSocket) : IDatagramReceiver
    {
        public void OnDatagram(Span<byte> datagram, SocketAddress source) => transport.OnDatagram(datagram, source, isRtcpSocket);
    }

    private void ReleaseSocket(Socket socket)
    {
        var port = (socket.LocalEndPoint as IPEndPoint)?.Port;
        socket.Dispose();
        if (port is { } p)
        {
            _ports.Release(p);
        }
    }
}
