using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Ice;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Tests.Dtls;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Tls;
using SrtpProtectionProfile = Broadcast.Ingest.Protocols.Srtp.SrtpProtectionProfile;

namespace Broadcast.Ingest.Tests.Transports;

/// <summary>
/// Component tests of the WebRTC viewer peer against a real media server's WebRTC transport on loopback: ICE, DTLS,
/// SRTP keys on both sides, and the RTCP feedback a viewer sends. Media to the peer waits for consumers on WebRTC
/// transports; <see cref="WebRtcTestPeerMediaTests"/> covers it against a stand-in sender.
/// </summary>
public sealed class WebRtcTestPeerTests : IAsyncLifetime
{
    private readonly PortLease _ports = TestPorts.Lease();
    private MediaServer _server = null!;
    private TransportFactory _transports = null!;

    public Task InitializeAsync()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MaxPort, Workers = 1 }),
            TimeProvider.System);
        _transports = new TransportFactory(_server);
        return Task.CompletedTask;
    }

    // Closing the routers releases their sockets before the ports go back to the pool.
    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _ports.Dispose();
    }

    public static TheoryData<SrtpProfile> Profiles => new(SrtpProfile.AesCm128HmacSha1Tag80, SrtpProfile.AesCm128HmacSha1Tag32, SrtpProfile.AeadAes128Gcm);

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task A_peer_completes_ICE_and_DTLS_with_a_WebRTC_transport_and_both_hold_SRTP_keys(SrtpProfile profile)
    {
        var transport = await CreateTransportAsync();
        await using var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0], transport.DtlsParameters,
            new WebRtcTestPeerOptions { SrtpProfiles = [profile] });

        await transport.ConnectAsync(peer.DtlsParameters);
        await peer.ConnectAsync();

        Assert.True(peer.IsIceConnected);
        Assert.True(peer.IsConnected);
        Assert.Equal(profile, peer.SrtpProfile);
        // The client finishes its handshake as the server's last flight arrives; the server's side reaches the worker
        // a moment later.
        Assert.True(await Eventually.TrueAsync(() => transport.Worker.InvokeAsync(() => transport.IsConnected)), peer.ToString());
        var (ice, dtls, srtp) = await transport.Worker.InvokeAsync(() => (transport.IceState, transport.DtlsState, transport.SrtpProfile));
        Assert.Equal(IceState.Completed, ice); // USE-CANDIDATE nominated the peer's tuple
        Assert.Equal(DtlsSessionState.Connected, dtls);
        Assert.Equal(((SrtpProtectionProfile)(ushort)profile).ToString(), srtp);
    }

    [Fact]
    public async Task Every_kind_of_RTCP_the_peer_sends_is_accepted_by_the_transport()
    {
        const uint MediaSsrc = 0x0A0B0C0D;
        var transport = await CreateTransportAsync();
        await using var peer = await ConnectedPeerAsync(transport);
        var before = await transport.Worker.InvokeAsync(() => transport.RtcpPacketsReceived);

        Assert.True(peer.SendReceiverReport(MediaSsrc));
        Assert.True(peer.SendReceiverReports());
        Assert.True(peer.SendNack(MediaSsrc, 100, 101, 117, 300));
        Assert.True(peer.SendPli(MediaSsrc));
        Assert.True(peer.SendFir(MediaSsrc));
        Assert.True(peer.SendRemb(1_500_000, MediaSsrc));

        var (received, failures, malformed) = await Eventually.ValueAsync(
            () => transport.Worker.InvokeAsync(() => (transport.RtcpPacketsReceived, transport.SrtpFailures, transport.DroppedMalformed)),
            counters => counters.RtcpPacketsReceived - before >= 6,
            counters => $"the transport has {counters.RtcpPacketsReceived - before} of 6 compounds; {peer}");
        Assert.Equal(6, received - before);
        Assert.Equal(0, failures);
        Assert.Equal(0, malformed);
        Assert.Equal(6, peer.RtcpPacketsSent);
    }

    [Fact]
    public async Task The_peer_keeps_sending_consent_checks_and_the_transport_answers_them()
    {
        var transport = await CreateTransportAsync();
        await using var peer = await ConnectedPeerAsync(transport);
        var answered = peer.StunResponsesReceived;

        await peer.WaitUntilAsync(p => p.StunResponsesReceived >= answered + 2);

        Assert.True(await transport.Worker.InvokeAsync(() => transport.IsConnected));
        Assert.Equal(0, peer.UnknownDatagrams);
    }

    [Fact]
    public async Task A_server_certificate_that_does_not_match_the_signalled_fingerprint_fails_the_handshake()
    {
        var transport = await CreateTransportAsync();
        var other = DtlsCertificate.Generate().Fingerprint;
        await using var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0],
            new DtlsParameters("auto", [new DtlsFingerprintParameters(other.Algorithm, other.Value)]));
        await transport.ConnectAsync(peer.DtlsParameters);

        var failure = await Assert.ThrowsAsync<TlsFatalAlert>(() => peer.ConnectAsync());

        Assert.Equal(AlertDescription.bad_certificate, failure.AlertDescription);
        Assert.False(peer.IsConnected);
    }

    [Fact]
    public async Task Closing_the_transport_reaches_the_peer_as_close_notify()
    {
        var transport = await CreateTransportAsync();
        await using var peer = await ConnectedPeerAsync(transport);

        await transport.CloseAsync();

        await peer.WaitUntilAsync(p => p.DtlsClosedByServer);
    }

    [Fact]
    public async Task Disposing_the_peer_closes_its_socket_and_its_close_notify_closes_the_transport()
    {
        var transport = await CreateTransportAsync();
        var peer = await ConnectedPeerAsync(transport);
        var port = peer.LocalEndPoint.Port;

        await peer.DisposeAsync();

        Assert.True(await Eventually.TrueAsync(() => transport.Worker.InvokeAsync(() => transport.IsClosed)), $"the transport is still open after the peer left: {peer}");
        using var rebound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebound.Bind(new IPEndPoint(IPAddress.Loopback, port)); // throws if the peer's socket were still bound
        Assert.False(peer.IsConnected);
        await peer.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task A_peer_with_nobody_answering_times_out_and_disposes_cleanly()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var certificate = DtlsLoopback.SharedServerCertificate.Fingerprint;
        await using var peer = new WebRtcTestPeer(new IceParameters("ufrag", "password"),
            new IceCandidate("1", 1, "127.0.0.1", "127.0.0.1", "udp", port),
            new DtlsParameters("auto", [new DtlsFingerprintParameters(certificate.Algorithm, certificate.Value)]),
            new WebRtcTestPeerOptions { ConnectTimeout = TimeSpan.FromSeconds(1), ConsentInterval = TimeSpan.FromMilliseconds(100) });

        await Assert.ThrowsAsync<TimeoutException>(() => peer.ConnectAsync());

        Assert.True(peer.StunRequestsSent >= 2, peer.ToString()); // the checks were repeated while unanswered
        Assert.False(peer.IsIceConnected);
    }

    private async Task<WebRtcTransport> CreateTransportAsync()
    {
        var router = await _server.CreateRouterAsync(null);
        return await _transports.CreateWebRtcAsync(router, null, new WebRtcTransportOptions(), DtlsLoopback.SharedServerCertificate, server: null);
    }

    private static async Task<WebRtcTestPeer> ConnectedPeerAsync(WebRtcTransport transport)
    {
        var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0], transport.DtlsParameters);
        try
        {
            await transport.ConnectAsync(peer.DtlsParameters);
            await peer.ConnectAsync();
            Assert.True(await Eventually.TrueAsync(() => transport.Worker.InvokeAsync(() => transport.IsConnected)), $"the transport has no SRTP keys yet; {peer}");
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }
}
