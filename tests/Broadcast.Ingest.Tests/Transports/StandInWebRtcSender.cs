using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Ice;
using Broadcast.Ingest.Protocols.Demux;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Tests.Dtls;
using Broadcast.Ingest.Transports;

namespace Broadcast.Ingest.Tests.Transports;

/// <summary>
/// The sending half of a WebRTC transport, built from the project's own ICE-lite agent, DTLS server session and SRTP,
/// as a consumer on a WebRTC transport will use them: it lets the viewer peer's receive side be tested before the
/// transport can consume. One receive loop answers STUN, feeds DTLS and records the peer's RTCP; tests send RTP and
/// sender reports from their own thread.
/// </summary>
internal sealed class StandInWebRtcSender : IIceAgentListener, IDtlsSessionListener, IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IceLiteAgent _ice;
    private readonly DtlsServerSession _dtls;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly byte[] _sendBuffer = new byte[1500];
    private readonly List<ushort> _nacked = [];
    private readonly List<ReceptionReport> _reports = [];
    private readonly Task _receiveLoop;
    private volatile SocketAddress? _selected;
    private SrtpContext? _srtp;
    private long _rtcpReceived;

    public StandInWebRtcSender()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ice = new IceLiteAgent(this, TimeProvider.System, TimeSpan.Zero);
        _dtls = new DtlsServerSession(DtlsLoopback.SharedServerCertificate, this);
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(_stopping.Token));
    }

    public IceParameters IceParameters => new(_ice.LocalCredentials.UsernameFragment, _ice.LocalCredentials.Password);

    public IceCandidate Candidate => new("standin", 1, "127.0.0.1", "127.0.0.1", "udp", ((IPEndPoint)_socket.LocalEndPoint!).Port);

    public DtlsParameters DtlsParameters =>
        new("auto", [new DtlsFingerprintParameters(_dtls.LocalFingerprint.Algorithm, _dtls.LocalFingerprint.Value)]);

    /// <summary>Ends when the SRTP keys are set.</summary>
    public Task Connected => _connected.Task;

    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    /// <summary>Every sequence number NACKed so far, in arrival order.</summary>
    public IReadOnlyList<ushort> Nacked
    {
        get
        {
            lock (_gate)
            {
                return [.. _nacked];
            }
        }
    }

    public IReadOnlyList<ReceptionReport> Reports
    {
        get
        {
            lock (_gate)
            {
                return [.. _reports];
            }
        }
    }

    public void Connect(DtlsParameters peer) =>
        _dtls.SetRemoteFingerprint(DtlsFingerprint.Parse(peer.Fingerprints[0].Algorithm, peer.Fingerprints[0].Value));

    /// <summary>Protects and sends one RTP packet; returns the datagram as sent, to be sent again as is.</summary>
    public byte[] SendRtp(uint ssrc, ushort sequenceNumber, uint timestamp, bool marker = false, int payloadLength = 100)
    {
        lock (_gate)
        {
            Assert.True(RtpHeader.TryWriteFixed(_sendBuffer, marker, 96, sequenceNumber, timestamp, ssrc));
            _sendBuffer.AsSpan(RtpHeader.FixedLength, payloadLength).Fill((byte)sequenceNumber);
            Assert.Equal(SrtpStatus.Ok, _srtp!.ProtectRtp(_sendBuffer, RtpHeader.FixedLength + payloadLength, out var length));
            var datagram = _sendBuffer[..length];
            Send(datagram);
            return datagram;
        }
    }

    /// <summary>An SR and an SDES with the CNAME, in one compound, as a consumer sends them.</summary>
    public void SendSenderReport(uint ssrc, ulong ntpTimestamp, uint rtpTimestamp, string cname)
    {
        lock (_gate)
        {
            Assert.True(new SenderReport { Ssrc = ssrc, NtpTimestamp = ntpTimestamp, RtpTimestamp = rtpTimestamp, PacketCount = 1, OctetCount = 100 }
                .TryWrite(_sendBuffer, out var report));
            Assert.True(SourceDescription.TryWriteCname(_sendBuffer.AsSpan(report), ssrc, System.Text.Encoding.UTF8.GetBytes(cname), out var sdes));
            Assert.Equal(SrtpStatus.Ok, _srtp!.ProtectRtcp(_sendBuffer, report + sdes, out var length));
            Send(_sendBuffer.AsSpan(0, length));
        }
    }

    public void Send(ReadOnlySpan<byte> datagram) => _socket.SendTo(datagram, SocketFlags.None, _selected!);

    public void OnIceTupleAdded(IceTuple tuple)
    {
    }

    public void OnIceTupleRemoved(IceTuple tuple)
    {
    }

    public void OnIceSelectedTupleChanged(IceTuple tuple) => _selected = tuple.SocketAddress;

    public void OnIceStateChanged(IceState state)
    {
    }

    public void SendDtlsDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_selected is { } remote)
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
        }
    }

    public void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial srtp)
    {
        // As DTLS server: read with the client's keys, write with ours.
        Volatile.Write(ref _srtp, new SrtpContext((SrtpProtectionProfile)(ushort)srtp.Profile, srtp.ClientWriteKey.Span, srtp.ClientWriteSalt.Span,
            srtp.ServerWriteKey.Span, srtp.ServerWriteSalt.Span));
        _connected.TrySetResult();
    }

    public void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail) =>
        _connected.TrySetException(new InvalidOperationException($"DTLS failed: {failure} {detail}"));

    public void OnDtlsClosed(DtlsServerSession session)
    {
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _receiveLoop;
        _dtls.Dispose();
        _ice.Close();
        _socket.Dispose();
        _srtp?.Dispose();
        _stopping.Dispose();
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var response = new byte[IceLiteAgent.MinResponseBufferLength * 4];
        var source = new SocketAddress(AddressFamily.InterNetwork);
        while (true)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, source, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, length);
            switch (RtpPacketClassifier.Classify(datagram))
            {
                case PacketKind.Stun:
                    _ice.ProcessStun(datagram, source, response, out var responseLength);
                    if (responseLength > 0)
                    {
                        _socket.SendTo(response.AsSpan(0, responseLength), SocketFlags.None, source);
                    }

                    break;
                case PacketKind.Dtls when _ice.FindTuple(source) is not null:
                    _dtls.Feed(datagram);
                    break;
                case PacketKind.Rtcp when Volatile.Read(ref _srtp) is { } srtp && srtp.UnprotectRtcp(datagram, out var rtcpLength) == SrtpStatus.Ok:
                    Record(datagram[..rtcpLength]);
                    break;
            }
        }
    }

    private void Record(ReadOnlySpan<byte> compound)
    {
        Interlocked.Increment(ref _rtcpReceived);
        Span<ushort> lost = stackalloc ushort[256];
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[ReceiverReport.MaxReports];
        var reader = new RtcpCompoundReader(compound);
        lock (_gate)
        {
            while (reader.TryReadNext(out _, out var packet))
            {
                if (GenericNack.TryParse(packet, out _, out _, lost, out var count))
                {
                    _nacked.AddRange(lost[..count]);
                }
                else if (ReceiverReport.TryParse(packet, out _, blocks, out var reports))
                {
                    _reports.AddRange(blocks[..reports]);
                }
            }
        }
    }
}
