using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Broadcast.Ingest.Protocols.Rtsp;

namespace Broadcast.Ingest.Tests.Sources;

/// <summary>What a <see cref="FakeRtspCamera"/> does; every field has the plain camera's behaviour by default.</summary>
internal sealed record FakeCameraOptions
{
    public string Path { get; init; } = "/cam";
    public string? Username { get; init; }
    public string? Password { get; init; }
    public bool Digest { get; init; }
    public bool Qop { get; init; }

    /// <summary>Answers the first correctly authorised request with a fresh nonce and stale=true.</summary>
    public bool StaleOnce { get; init; }

    /// <summary>DESCRIBE of this path answers 302 to <see cref="Path"/>.</summary>
    public string? RedirectFrom { get; init; }

    public int? SessionTimeout { get; init; }
    public bool AllowUdp { get; init; } = true;

    /// <summary>Accepts UDP but never sends over it (a firewall between camera and appliance).</summary>
    public bool UdpBlackHole { get; init; }

    /// <summary>Answers with interleaved channels this far above the requested ones.</summary>
    public int ChannelShift { get; init; }

    public bool WithAudio { get; init; }

    /// <summary>A key frame every this many frames (25 fps).</summary>
    public int Gop { get; init; } = 25;
}

/// <summary>
/// A scripted RTSP camera on loopback for component tests: speaks just enough RTSP (OPTIONS, DESCRIBE, SETUP, PLAY,
/// GET_PARAMETER, TEARDOWN, Basic/Digest, redirects) and sends an H.264 stream (SPS/PPS in a STAP-A before each IDR,
/// 25 fps, 640x360) and optionally PCMU, interleaved or over UDP. It records every request and the RTCP it receives.
/// </summary>
internal sealed class FakeRtspCamera : IAsyncDisposable
{
    public const string Sps = "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==";
    public const string Pps = "aM48gA==";

    private readonly FakeCameraOptions _options;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly UdpClient _udp;
    private readonly UdpClient _udpRtcp;
    private string _nonce = "a1b2c3d4e5f60718";
    private bool _staleSent;

    public FakeRtspCamera(FakeCameraOptions? options = null)
    {
        _options = options ?? new FakeCameraOptions();
        (_udp, _udpRtcp) = BindServerPorts();
        _listener.Start();
        _ = AcceptAsync();
        _ = ReceiveUdpRtcpAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Url => $"rtsp://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{_options.RedirectFrom ?? _options.Path}";
    public ConcurrentQueue<RtspRequest> Requests { get; } = new();
    public ConcurrentQueue<byte[]> RtcpReceived { get; } = new();
    public int Connections;
    public int PacketsSent;

    public IEnumerable<RtspRequest> RequestsOf(string method) => Requests.Where(r => r.Method == method);

    /// <summary>Drops every connection, as a camera that reboots.</summary>
    public void DropConnections()
    {
        foreach (var socket in _sockets)
        {
            try
            {
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    // The camera's server_port pair: RTP on any free port, RTCP on the one above it, which the OS may have handed to
    // someone else in the meantime: then another pair.
    private static (UdpClient Rtp, UdpClient Rtcp) BindServerPorts()
    {
        for (var attempt = 0; ; attempt++)
        {
            var rtp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            try
            {
                return (rtp, new UdpClient(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)rtp.Client.LocalEndPoint!).Port + 1)));
            }
            catch (SocketException) when (attempt < 100)
            {
                rtp.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref Connections);
            _sockets.Add(socket);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var count = 0;
        var state = new ConnectionState(socket);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                count += read;
                var offset = 0;
                while (true)
                {
                    var kind = RtspMessageReader.TryReadFrame(buffer.AsSpan(offset, count - offset), out var length, out _);
                    if (kind == RtspFrameKind.Incomplete)
                    {
                        break;
                    }

                    if (kind == RtspFrameKind.Interleaved)
                    {
                        RtcpReceived.Enqueue(buffer.AsSpan(offset + 4, length - 4).ToArray());
                    }
                    else if (kind == RtspFrameKind.Message && RtspRequest.TryParse(buffer.AsSpan(offset, length), out var request))
                    {
                        Requests.Enqueue(request);
                        await state.SendAsync(Answer(request, state));
                    }

                    offset += kind == RtspFrameKind.Invalid ? 1 : length;
                }

                buffer.AsSpan(offset, count - offset).CopyTo(buffer);
                count -= offset;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            state.Playing.Cancel();
            socket.Dispose();
        }
    }

    private string Answer(RtspRequest request, ConnectionState state)
    {
        var cseq = request.Headers.Get("CSeq");
        if (!Authorised(request, out var challenge))
        {
            return $"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: {challenge}\r\n\r\n";
        }

        var session = $"Session: {state.Session};timeout={_options.SessionTimeout ?? 60}\r\n";
        switch (request.Method)
        {
            case "OPTIONS":
                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN\r\n\r\n";
            case "DESCRIBE" when _options.RedirectFrom is { } from && request.Uri.EndsWith(from, StringComparison.Ordinal):
                return $"RTSP/1.0 302 Moved Temporarily\r\nCSeq: {cseq}\r\nLocation: rtsp://127.0.0.1:{Port}{_options.Path}\r\n\r\n";
            case "DESCRIBE":
                var sdp = Sdp();
                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Base: rtsp://127.0.0.1:{Port}{_options.Path}/\r\n" +
                    $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(sdp)}\r\n\r\n{sdp}";
            case "SETUP":
                var track = request.Uri.EndsWith("trackID=1", StringComparison.Ordinal) ? 1 : 0;
                if (!RtspTransportHeader.TryParse(request.Headers.Get("Transport"), out var offer))
                {
                    return $"RTSP/1.0 400 Bad Request\r\nCSeq: {cseq}\r\n\r\n";
                }

                if (!offer.IsTcp && !_options.AllowUdp)
                {
                    return $"RTSP/1.0 461 Unsupported Transport\r\nCSeq: {cseq}\r\n\r\n";
                }

                string transport;
                if (offer.IsTcp)
                {
                    var (rtp, rtcp) = offer.Interleaved ?? (0, 1);
                    state.Channels[track] = rtp + _options.ChannelShift;
                    transport = $"RTP/AVP/TCP;unicast;interleaved={rtp + _options.ChannelShift}-{rtcp + _options.ChannelShift};ssrc={Ssrc(track):X8}";
                }
                else
                {
                    state.UdpTargets[track] = new IPEndPoint(IPAddress.Loopback, offer.ClientPorts!.Value.Rtp);
                    var serverPort = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
                    transport = $"RTP/AVP;unicast;client_port={offer.ClientPorts.Value.Rtp}-{offer.ClientPorts.Value.Rtcp};server_port={serverPort}-{serverPort + 1}";
                }

                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nTransport: {transport}\r\n{session}\r\n";
            case "PLAY":
                state.Playing.Cancel();
                state.Playing = new CancellationTokenSource();
                _ = SendMediaAsync(state, state.Playing.Token);
                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{session}RTP-Info: url={request.Uri};seq=1000;rtptime=0\r\n\r\n";
            case "GET_PARAMETER":
                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{session}\r\n";
            case "TEARDOWN":
                state.Playing.Cancel();
                return $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{session}\r\n";
            default:
                return $"RTSP/1.0 501 Not Implemented\r\nCSeq: {cseq}\r\n\r\n";
        }
    }

    private bool Authorised(RtspRequest request, out string challenge)
    {
        var realm = "FakeCam";
        challenge = _options.Digest
            ? $"Digest realm=\"{realm}\", nonce=\"{_nonce}\"" + (_options.Qop ? ", qop=\"auth\", opaque=\"0p4qu3\"" : "")
            : $"Basic realm=\"{realm}\"";
        if (_options.Username is null)
        {
            return true;
        }

        var given = request.Headers.Get("Authorization");
        if (given is null)
        {
            return false;
        }

        if (!_options.Digest)
        {
            return given == RtspAuthorization.Basic(_options.Username, _options.Password!);
        }

        Assert.True(RtspAuthenticationChallenge.TryParse(challenge, out var parsed));
        var fields = RtspAuthenticationChallenge.ParseAll([given])[0].Parameters;
        var nc = fields.TryGetValue("nc", out var count) ? int.Parse(count, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 1;
        RtspAuthorization.TryDigest(parsed, _options.Username, _options.Password!, request.Method, fields.GetValueOrDefault("uri", ""),
            fields.GetValueOrDefault("cnonce", ""), nc, out var expected);
        var expectedResponse = RtspAuthenticationChallenge.ParseAll([expected])[0]
            .Parameters["response"];
        if (fields.GetValueOrDefault("response") != expectedResponse)
        {
            return false;
        }

        if (_options.StaleOnce && !_staleSent)
        {
            _staleSent = true;
            _nonce = "f00dfeedf00dfeed";
            challenge = $"Digest realm=\"{realm}\", nonce=\"{_nonce}\", stale=true" + (_options.Qop ? ", qop=\"auth\", opaque=\"0p4qu3\"" : "");
            return false;
        }

        return true;
    }

    private string Sdp()
    {
        var sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Fake\r\nt=0 0\r\na=control:*\r\n" +
            "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
            $"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={Sps},{Pps};profile-level-id=42c01e\r\na=control:trackID=0\r\n";
        return _options.WithAudio ? sdp + "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=control:trackID=1\r\n" : sdp;
    }

    private static uint Ssrc(int track) => track == 0 ? 0x0CA11A00u : 0x0CA11A01u;

    private async Task SendMediaAsync(ConnectionState state, CancellationToken cancellationToken)
    {
        var sps = Convert.FromBase64String(Sps);
        var pps = Convert.FromBase64String(Pps);
        ushort videoSequence = 1000, audioSequence = 5000;
        try
        {
            for (var frame = 0; !cancellationToken.IsCancellationRequested; frame++)
            {
                var timestamp = (uint)(frame * 3600);
                if (frame % _options.Gop == 0)
                {
                    byte[] stap = [0x78, 0, (byte)sps.Length, .. sps, 0, (byte)pps.Length, .. pps];
                    await SendRtpAsync(state, 0, Rtp(96, videoSequence++, timestamp, 0, stap, marker: false));
                    await SendRtpAsync(state, 0, Rtp(96, videoSequence++, timestamp, 0, [0x65, 0x88, 0x84, 0x00, 0x33, 0xff], marker: true));
                }
                else
                {
                    await SendRtpAsync(state, 0, Rtp(96, videoSequence++, timestamp, 0, [0x41, 0x9a, 0x02, 0x04], marker: true));
                }

                if (_options.WithAudio)
                {
                    for (var i = 0; i < 2; i++)
                    {
                        var audioTimestamp = (uint)((frame * 320) + (i * 160));
                        await SendRtpAsync(state, 1, Rtp(0, audioSequence++, audioTimestamp, 1, new byte[160], marker: false));
                    }
                }

                await Task.Delay(40, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static byte[] Rtp(byte payloadType, ushort sequence, uint timestamp, int track, byte[] payload, bool marker)
    {
        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), Ssrc(track));
        payload.CopyTo(packet, 12);
        return packet;
    }

    private async Task SendRtpAsync(ConnectionState state, int track, byte[] packet)
    {
        if (state.UdpTargets[track] is { } target)
        {
            if (!_options.UdpBlackHole)
            {
                await _udp.SendAsync(packet, target);
                Interlocked.Increment(ref PacketsSent);
            }

            return;
        }

        if (state.Channels[track] is { } channel)
        {
            byte[] frame = [(byte)'$', (byte)channel, (byte)(packet.Length >> 8), (byte)packet.Length, .. packet];
            await state.SendAsync(frame);
            Interlocked.Increment(ref PacketsSent);
        }
    }

    private async Task ReceiveUdpRtcpAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = await _udpRtcp.ReceiveAsync(_stop.Token);
                RtcpReceived.Enqueue(result.Buffer);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropConnections();
        _udp.Dispose();
        _udpRtcp.Dispose();
        _stop.Dispose();
    }

    private sealed class ConnectionState(Socket socket)
    {
        private readonly SemaphoreSlim _write = new(1, 1);

        public string Session { get; } = $"F{Random.Shared.Next(100000, 999999).ToString(CultureInfo.InvariantCulture)}";
        public int?[] Channels { get; } = new int?[2];
        public IPEndPoint?[] UdpTargets { get; } = new IPEndPoint?[2];
        public CancellationTokenSource Playing { get; set; } = new();

        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task SendAsync(byte[] bytes)
        {
            await _write.WaitAsync();
            try
            {
                await socket.SendAsync(bytes, SocketFlags.None);
            }
            finally
            {
                _write.Release();
            }
        }
    }
}
