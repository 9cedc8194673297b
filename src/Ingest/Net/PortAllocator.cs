using System.Net;
using System.Net.Sockets;

namespace Broadcast.Ingest.Net;

/// <summary>
/// Hands out UDP ports from the configured range (MEDIASOUP_MIN_PORT..MEDIASOUP_MAX_PORT). A port is ours while a
/// socket of ours holds it, or while it is reserved for a local FFmpeg that will bind it itself.
/// </summary>
public sealed class PortAllocator
{
    private readonly object _gate = new();
    private readonly HashSet<int> _inUse = [];
    private int _cursor;

    public PortAllocator(int minPort, int maxPort)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minPort, maxPort);
        MinPort = minPort;
        MaxPort = maxPort;
        _cursor = minPort;
    }

    public int MinPort { get; }
    public int MaxPort { get; }

    public int InUseCount
    {
        get
        {
            lock (_gate)
            {
                return _inUse.Count;
            }
        }
    }

    /// <summary>Binds a UDP socket on <paramref name="address"/> to a free port of the range.</summary>
    /// <exception cref="PortsExhaustedException">Every port of the range is taken.</exception>
    public Socket BindUdp(IPAddress address, int bufferBytes)
    {
        lock (_gate)
        {
            foreach (var port in Candidates(step: 1))
            {
                var socket = TryBind(address, port, bufferBytes);
                if (socket is not null)
                {
                    _inUse.Add(port);
                    _cursor = port + 1;
                    return socket;
                }
            }
        }

        throw new PortsExhaustedException(MinPort, MaxPort);
    }

    /// <summary>
    /// Binds two UDP sockets on <paramref name="address"/> to an even port of the range and the odd one above it, as
    /// RTP and RTCP of an RTSP client's UDP transport (RFC 2326 §12.39: client_port=even-odd).
    /// </summary>
    /// <exception cref="PortsExhaustedException">No free pair is left.</exception>
    public (Socket Rtp, Socket Rtcp) BindUdpPair(IPAddress address, int bufferBytes)
    {
        lock (_gate)
        {
            foreach (var port in Candidates(step: 2))
            {
                if (port + 1 > MaxPort || _inUse.Contains(port + 1))
                {
                    continue;
                }

                var rtp = TryBind(address, port, bufferBytes);
                var rtcp = rtp is null ? null : TryBind(address, port + 1, bufferBytes);
                if (rtp is not null && rtcp is not null)
                {
                    _inUse.Add(port);
                    _inUse.Add(port + 1);
                    _cursor = port + 2;
                    return (rtp, rtcp);
                }

                rtp?.Dispose();
            }
        }

        throw new PortsExhaustedException(MinPort, MaxPort);
    }

    /// <summary>Reserves an even port and the odd one above it on 127.0.0.1, free right now, for a process that binds them itself.</summary>
    public int ReserveLoopbackPair()
    {
        lock (_gate)
        {
            foreach (var port in Candidates(step: 2))
            {
                if (port + 1 > MaxPort || _inUse.Contains(port + 1))
                {
                    continue;
                }

                using var rtp = TryBind(IPAddress.Loopback, port, 0);
                using var rtcp = rtp is null ? null : TryBind(IPAddress.Loopback, port + 1, 0);
                if (rtp is not null && rtcp is not null)
                {
                    _inUse.Add(port);
                    _inUse.Add(port + 1);
                    _cursor = port + 2;
                    return port;
                }
            }
        }

        throw new PortsExhaustedException(MinPort, MaxPort);
    }

    public void Release(int port)
    {
        lock (_gate)
        {
            _inUse.Remove(port);
        }
    }

    private IEnumerable<int> Candidates(int step)
    {
        var count = MaxPort - MinPort + 1;
        var start = _cursor > MaxPort ? MinPort : _cursor;
        if (step == 2 && start % 2 == 1)
        {
            start++;
        }

        for (var i = 0; i < count; i += step)
        {
            var port = start + i;
            if (port > MaxPort)
            {
                port = MinPort + (port - MaxPort - 1);
                if (step == 2 && port % 2 == 1)
                {
                    port++;
                }
            }

            if (port <= MaxPort && !_inUse.Contains(port))
            {
                yield return port;
            }
        }
    }

    private static Socket? TryBind(IPAddress address, int port, int bufferBytes)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (bufferBytes > 0)
            {
                socket.ReceiveBufferSize = bufferBytes;
                socket.SendBufferSize = bufferBytes;
            }

            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}

/// <summary>No UDP port of the configured range is free.</summary>
public sealed class PortsExhaustedException(int minPort, int maxPort)
    : Exception($"No free UDP port in {minPort}..{maxPort} (MEDIASOUP_MIN_PORT..MEDIASOUP_MAX_PORT).");
