using System.Net;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Sources;

// UDP: one RTP and one RTCP socket per track from the configured port range, read by the worker's loop.
public sealed partial class RtspSourceTransport
{
    private IPAddress? _cameraAddress;

    /// <summary>Binds the track's RTP/RTCP port pair and starts reading it; returns the ports for client_port.</summary>
    public (int Rtp, int Rtcp) BindUdp(int index)
    {
        var track = _tracks[index];
        var listen = IPAddress.Parse(_media.ListenIp);
        var (rtp, rtcp) = _ports.BindUdpPair(listen, _media.SocketBufferBytes);
        track.RtpSocket = rtp;
        track.RtcpSocket = rtcp;
        track.RtpRegistration = Worker.AddReceiver(rtp, new UdpReceiver(this, track, isRtcp: false));
        track.RtcpRegistration = Worker.AddReceiver(rtcp, new UdpReceiver(this, track, isRtcp: true));
        return (((IPEndPoint)rtp.LocalEndPoint!).Port, ((IPEndPoint)rtcp.LocalEndPoint!).Port);
    }

    /// <summary>The camera's address and, when its SETUP answer gave them, the ports it sends from.</summary>
    public void SetUdpRemote(int index, IPAddress camera, (int Rtp, int Rtcp)? serverPorts)
    {
        _cameraAddress = camera;
        var track = _tracks[index];
        if (serverPorts is { } ports)
        {
            track.ServerRtp = new IPEndPoint(camera, ports.Rtp).Serialize();
            track.ServerRtcp = new IPEndPoint(camera, ports.Rtcp).Serialize();
        }
    }

    private void OnDatagram(TrackState track, bool isRtcp, Span<byte> datagram, SocketAddress source)
    {
        if (IsClosed || _detached)
        {
            return;
        }

        var expected = isRtcp ? track.ServerRtcp : track.ServerRtp;
        if (expected is null || !source.Equals(expected))
        {
            // Rare path: the camera did not name its ports, or sends from others. Accept its address, learn the port.
            if (!IsFromCamera(source))
            {
                DroppedUnknownSource++;
                return;
            }

            if (isRtcp)
            {
                track.ServerRtcp = Copy(source);
            }
            else
            {
                track.ServerRtp = Copy(source);
            }
        }

        if (isRtcp)
        {
            OnTrackRtcp(track, datagram);
        }
        else
        {
            OnTrackRtp(track, datagram);
        }
    }

    private bool IsFromCamera(SocketAddress source)
    {
        if (_cameraAddress is null)
        {
            return false;
        }

        try
        {
            var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(source);
            var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
            return address.Equals(_cameraAddress);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static SocketAddress Copy(SocketAddress source)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    private void ReleaseUdp(TrackState track)
    {
        track.RtpRegistration?.Dispose();
        track.RtcpRegistration?.Dispose();
        foreach (var socket in new[] { track.RtpSocket, track.RtcpSocket })
        {
            if (socket is null)
            {
                continue;
            }

            var port = (socket.LocalEndPoint as IPEndPoint)?.Port;
            socket.Dispose();
            if (port is { } p)
            {
                _ports.Release(p);
            }
        }

        track.RtpSocket = null;
        track.RtcpSocket = null;
        track.RtpRegistration = null;
        track.RtcpRegistration = null;
    }

    private sealed class UdpReceiver(RtspSourceTransport transport, TrackState track, bool isRtcp) : IDatagramReceiver
    {
        public void OnDatagram(Span<byte> datagram, SocketAddress source) => transport.OnDatagram(track, isRtcp, datagram, source);
    }
}
