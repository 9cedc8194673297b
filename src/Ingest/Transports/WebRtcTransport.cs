using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Ice;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Protocols.Demux;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>ICE parameters as mediasoup returns them: ICE-lite, the local ufrag and password.</summary>
public sealed record IceParameters(string UsernameFragment, string Password, bool IceLite = true);

/// <summary>A host candidate, with both <c>ip</c> (older mediasoup-client) and <c>address</c> (newer).</summary>
public sealed record IceCandidate(string Foundation, uint Priority, string Ip, string Address, string Protocol, int Port, string Type = "host");

public sealed record DtlsFingerprintParameters(string Algorithm, string Value);

/// <summary>DTLS role and certificate fingerprints (mediasoup's dtlsParameters).</summary>
public sealed record DtlsParameters(string Role, IReadOnlyList<DtlsFingerprintParameters> Fingerprints);

/// <summary>
/// A WebRTC publisher's transport: ICE-lite (STUN answered, tuples validated, consent watched), a DTLS server whose
/// keys open SRTP, then RTP and RTCP decrypted in place and routed like any other transport. Datagrams arrive either
/// from the shared WebRTC port (<see cref="WebRtcServer"/>) or from a port of its own. RTCP to the publisher:
/// receiver reports, NACKs, key frame requests and REMB.
/// </summary>
public sealed partial class WebRtcTransport : Transport, IIceAgentListener, IDtlsSessionListener
{
    private const uint CandidatePriority = 1076302079; // mediasoup's value for its first listen address

    private readonly IceLiteAgent _ice;
    private readonly DtlsServerSession _dtls;
    private readonly Socket _socket;
    private readonly WebRtcServer? _server;
    private readonly PortAllocator? _ports;
    private readonly SocketRegistration? _registration;
    private readonly WebRtcTransportOptions _options;
    private readonly byte[] _stunResponse = new byte[IceLiteAgent.MinResponseBufferLength * 4];
    private readonly byte[] _rtcpOut = new byte[1500];
    private readonly byte[] _rtpOut = new byte[RetransmissionBuffer.MaxPacketLength + 2 + 16];
    private SrtpSession? _srtpIn;
    private SrtpSession? _srtpOut;
    private volatile SocketAddress? _selected;
    private CancellationTokenSource? _timers;
    private readonly int _maxViewersPerChannel;

    /// <summary>Made by <see cref="TransportFactory"/>, on the router's worker.</summary>
    internal WebRtcTransport(string id, Router router, WebRtcTransportOptions options, DtlsCertificate certificate, WebRtcServer? server,
        PortAllocator ports, MediaOptions media)
        : base(id, router)
    {
        _options = options;
        _maxViewersPerChannel = media.MaxViewersPerChannel;
        _ice = new IceLiteAgent(this, Time, options.IceConsentTimeout);
        _dtls = new DtlsServerSession(certificate, this);
        var advertised = options.AnnouncedIp ?? media.AdvertisedIp;
        if (server is not null)
        {
            _server = server;
            _socket = server.Socket;
            server.Register(this);
            Candidates = [new IceCandidate("udpcandidate", CandidatePriority, server.AdvertisedIp, server.AdvertisedIp, "udp", server.Port)];
        }
        else
        {
            _ports = ports;
            var listen = IPAddress.Parse(options.ListenIp ?? media.ListenIp);
            _socket = ports.BindUdp(listen, media.SocketBufferBytes);
            _registration = Worker.AddReceiver(_socket, new OwnPortReceiver(this));
            var port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            Candidates = [new IceCandidate("udpcandidate", CandidatePriority, advertised, advertised, "udp", port)];
        }

        _timers = new CancellationTokenSource();
        _ = RunTimersAsync(_timers.Token);
    }

    public override string Type => "webrtc";

    /// <summary>Viewers: consumers send SRTP to the selected ICE tuple once DTLS is done.</summary>
    public override bool CanConsume => true;

    protected override bool NumbersConsumerMids => true;

    protected internal override bool ExpectsNacks => true;

    protected override bool CountsAsViewer => true;

    protected override int MaxViewersPerChannel => _maxViewersPerChannel;

    public override bool IsConnected => _srtpIn is not null;

    public IceParameters IceParameters => new(_ice.LocalCredentials.UsernameFragment, _ice.LocalCredentials.Password);
    public IReadOnlyList<IceCandidate> Candidates { get; }

    public DtlsParameters DtlsParameters =>
        new("auto", [new DtlsFingerprintParameters(_dtls.LocalFingerprint.Algorithm, _dtls.LocalFingerprint.Value)]);

    public string LocalUsernameFragment => _ice.LocalCredentials.UsernameFragment;
    public IceState IceState => _ice.State;
    public DtlsSessionState DtlsState => _dtls.State;
    public string? IceSelectedTuple => _ice.SelectedTuple?.ToString();
    public string? SrtpProfile => _srtpIn?.Profile.ToString();
    public TimeSpan? DtlsHandshakeDuration => _dtls.HandshakeDuration;
    public long DroppedBeforeConnected { get; private set; }
    public long SrtpFailures { get; private set; }
    public DtlsSession Dtls => new(_dtls.DatagramsReceived, _dtls.DatagramsDropped, _dtls.DatagramsMalformed, _dtls.DatagramsSent);

    /// <summary>Counters of the DTLS session.</summary>
    public sealed record DtlsSession(long Received, long Dropped, long Malformed, long Sent);

    /// <summary>mediasoup's connect({dtlsParameters}): the publisher's fingerprint; we are the DTLS server.</summary>
    public Task ConnectAsync(DtlsParameters? parameters) => Worker.InvokeAsync(() => Connect(parameters));

    private void Connect(DtlsParameters? parameters)
    {
        ThrowIfClosed();
        if (parameters is null)
        {
            throw new InvalidFieldException("dtlsParameters", "dtlsParameters is required.");
        }

        if (parameters.Role is not ("client" or "auto"))
        {
            throw new InvalidFieldException("dtlsParameters.role", $"role '{parameters.Role}' is not supported: the server is the DTLS server, so the client's role is \"client\" or \"auto\".");
        }

        if (parameters.Fingerprints is not { Count: > 0 })
        {
            throw new InvalidFieldException("dtlsParameters.fingerprints", "At least one fingerprint is required.");
        }

        if (_dtls.RemoteFingerprint is not null)
        {
            throw new ConflictException("connect() was already called on this transport.");
        }

        // mediasoup-client sends one; take the last we can check, as it reads ours.
        DtlsFingerprint? chosen = null;
        for (var i = parameters.Fingerprints.Count - 1; i >= 0 && chosen is null; i--)
        {
            var fingerprint = parameters.Fingerprints[i];
            if (DtlsFingerprint.TryParse(fingerprint.Algorithm, fingerprint.Value, out var parsed))
            {
                chosen = parsed;
            }
        }

        _dtls.SetRemoteFingerprint(chosen ?? throw new InvalidFieldException("dtlsParameters.fingerprints",
            "No fingerprint has a supported algorithm (sha-1, sha-224, sha-256, sha-384, sha-512) and a valid value."));
    }

    /// <summary>ICE restart (mediasoup's restartIce): new local credentials; the old ones work until the peer uses the new.</summary>
    public Task<IceParameters> RestartIceAsync() => Worker.InvokeAsync(() =>
    {
        ThrowIfClosed();
        _ice.Restart();
        _server?.Register(this);
        return IceParameters;
    });

    /// <summary>One datagram from the publisher, on this transport's worker (RFC 7983 demux).</summary>
    internal void OnDatagram(Span<byte> datagram, SocketAddress source)
    {
        if (IsClosed)
        {
            return;
        }

        switch (RtpPacketClassifier.Classify(datagram))
        {
            case PacketKind.Stun:
                _ice.ProcessStun(datagram, source, _stunResponse, out var length);
                if (length > 0)
                {
                    Send(_stunResponse.AsSpan(0, length), source);
                }

                break;
            case PacketKind.Dtls when _ice.FindTuple(source) is not null:
                _dtls.Feed(datagram);
                break;
            case PacketKind.Rtp when _srtpIn is { } srtp && _ice.FindTuple(source) is not null:
                if (srtp.UnprotectRtp(datagram, out var rtpLength) == SrtpStatus.Ok)
                {
                    OnRtp(datagram[..rtpLength]);
                }
                else
                {
                    SrtpFailures++;
                }

                break;
            case PacketKind.Rtcp when _srtpIn is { } srtp && _ice.FindTuple(source) is not null:
                if (srtp.UnprotectRtcp(datagram, out var rtcpLength) == SrtpStatus.Ok)
                {
                    OnRtcp(datagram[..rtcpLength]);
                }
                else
                {
                    SrtpFailures++;
                }

                break;
            case PacketKind.Unknown:
                DroppedMalformed++;
                break;
            default:
                DroppedBeforeConnected++; // DTLS or media from a tuple ICE has not validated, or before SRTP keys
                break;
        }
    }

    /// <summary>
    /// Protects a copy of the consumer's packet (the original is shared with the producer's other consumers) with our
    /// SRTP keys, per SSRC and its rollover counter, and sends it to the selected tuple. No allocation.
    /// </summary>
    protected internal override bool SendRtp(ReadOnlySpan<byte> packet) => SendRtp(packet, blankExtensionId: 0);

    protected internal override bool SendRtp(ReadOnlySpan<byte> packet, int blankExtensionId)
    {
        if (_srtpOut is not { } srtp || _selected is not { } remote)
        {
            DroppedNotConnected++;
            return false;
        }

        if (packet.Length > _rtpOut.Length - srtp.RtpOverhead)
        {
            DroppedMalformed++;
            return false;
        }

        // On the shared port the packet is protected straight into the worker's send batch (one sendmmsg a turn).
        if (_server?.BatchFor(Worker) is { } batch)
        {
            var slot = batch.NextSlot();
            packet.CopyTo(slot);
            BlankInCopy(slot[..packet.Length], blankExtensionId);
            if (srtp.ProtectRtp(slot, packet.Length, out var protectedLength) != SrtpStatus.Ok)
            {
                return false;
            }

            batch.Commit(protectedLength, remote);
            RtpPacketsSent++;
            BytesSent += protectedLength;
            return true;
        }

        packet.CopyTo(_rtpOut);
        BlankInCopy(_rtpOut.AsSpan(0, packet.Length), blankExtensionId);
        if (srtp.ProtectRtp(_rtpOut, packet.Length, out var length) != SrtpStatus.Ok || !Send(_rtpOut.AsSpan(0, length), remote))
        {
            return false;
        }

        RtpPacketsSent++;
        return true;
    }

    private static void BlankInCopy(Span<byte> copy, int extensionId)
    {
        if (extensionId != 0 && RtpHeader.TryParse(copy, out var header))
        {
            RtpHeaderExtensions.Blank(copy, in header, extensionId);
        }
    }

    protected internal override bool SendRtcp(ReadOnlySpan<byte> packet)
    {
        if (_srtpOut is not { } srtp || _selected is not { } remote || packet.Length > _rtcpOut.Length - srtp.RtcpOverhead)
        {
            return false;
        }

        packet.CopyTo(_rtcpOut);
        if (srtp.ProtectRtcp(_rtcpOut, packet.Length, out var length) != SrtpStatus.Ok || !Send(_rtcpOut.AsSpan(0, length), remote))
        {
            return false;
        }

        RtcpPacketsSent++;
        return true;
    }

    private bool Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (!CountSend(DatagramSender.TrySend(_socket, datagram, remote)))
        {
            return false;
        }

        BytesSent += datagram.Length;
        return true;
    }

    protected override void ReleaseResources()
    {
        _timers?.Cancel();
        _timers?.Dispose();
        _timers = null;
        _ice.Close();
        _dtls.Close();
        _srtpIn?.Dispose();
        _srtpOut?.Dispose();
        if (_server is not null)
        {
            _server.Unregister(this);
        }
        else
        {
            var port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _registration!.Dispose();
            _socket.Dispose();
            _ports!.Release(port);
        }
    }

    private sealed class OwnPortReceiver(WebRtcTransport transport) : IDatagramReceiver
    {
        public void OnDatagram(Span<byte> datagram, SocketAddress source) => transport.OnDatagram(datagram, source);
    }
}
