using System.Security.Cryptography;
using Broadcast.Ingest.Dtls;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>Flights on a hostile path: the MTU, lost flights, fragmented and oversized ClientHellos.</summary>
public sealed class DtlsFlightTests(ITestOutputHelper output)
{
    private const byte ClientHello = 1;
    private const byte Certificate = 11;

    [Fact]
    public async Task Every_server_datagram_is_at_most_1200_bytes_and_the_certificate_travels_unfragmented()
    {
        using var link = new DtlsLoopback();

        await link.ConnectVerifiedAsync(new TestDtlsClient());

        Assert.All(link.FromServer, d => Assert.InRange(d.Length, 1, 1200));
        var certificate = Assert.Single(ServerHandshake(link), r => r.MessageType == Certificate);
        Assert.Equal(certificate.MessageLength, certificate.FragmentLength);
    }

    [Fact]
    public async Task With_a_256_byte_MTU_the_server_fragments_its_flight_below_it_and_the_handshake_completes()
    {
        using var link = new DtlsLoopback(new DtlsServerOptions { Mtu = 256 });

        await link.ConnectVerifiedAsync(new TestDtlsClient());

        Assert.All(link.FromServer, d => Assert.InRange(d.Length, 1, 256));
        Assert.Contains(ServerHandshake(link), r => r.FragmentLength < r.MessageLength);
    }

    [Fact]
    public async Task A_lost_server_flight_is_sent_again_with_the_same_fragment_boundaries_and_the_handshake_completes()
    {
        using var link = new DtlsLoopback(new DtlsServerOptions { Mtu = 300 });
        var seen = new HashSet<(int, int)>();
        link.DropFromServer = d => DtlsRecord.Parse(d) is [{ IsClearHandshake: true } record] && seen.Add((record.MessageSequence, record.FragmentOffset));

        await link.ConnectVerifiedAsync(new TestDtlsClient());

        var fragments = ServerHandshake(link).GroupBy(r => (r.MessageSequence, r.FragmentOffset)).ToList();
        Assert.Contains(fragments, g => g.First().FragmentLength < g.First().MessageLength); // it was fragmented
        Assert.All(fragments, g =>
        {
            Assert.True(g.Count() >= 2, $"message {g.Key.MessageSequence} at {g.Key.FragmentOffset} was not sent again");
            Assert.Single(g.Select(r => r.FragmentLength).Distinct());
        });
        output.WriteLine($"completed after the loss in {link.Session.HandshakeDuration!.Value.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task A_lost_server_Finished_is_sent_again_when_the_client_repeats_its_last_flight()
    {
        using var link = new DtlsLoopback();
        var dropped = 0;
        // The first ChangeCipherSpec and the first record of epoch 1 (our Finished) are lost.
        link.DropFromServer = d => DtlsRecord.Parse(d) is [var r] && (r.ContentType == DtlsRecord.ChangeCipherSpec || r.Epoch == 1)
            && Interlocked.Increment(ref dropped) <= 2;
        var client = new TestDtlsClient();
        link.Session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        var transport = await link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience);

        await link.Listener.Connected.WaitAsync(DtlsLoopback.Patience);
        Assert.True(link.FromServer.Count(d => DtlsRecord.Parse(d) is [{ Epoch: 1, ContentType: DtlsRecord.Handshake }]) >= 2);
        Assert.Equal(client.Keys!.ClientWriteKey.ToArray(), link.Session.SrtpKeys!.ClientWriteKey.ToArray());
        transport.Close();
    }

    [Fact]
    public async Task A_ClientHello_split_across_datagrams_by_a_small_client_MTU_is_reassembled()
    {
        using var link = new DtlsLoopback(clientMtu: 160);

        await link.ConnectVerifiedAsync(new TestDtlsClient());

        var hello = ClientHandshake(link).Where(r => r.MessageType == ClientHello && r.MessageSequence == 0).ToList();
        Assert.True(hello.Count >= 2, $"the ClientHello went in {hello.Count} datagram(s)");
        Assert.All(hello, r => Assert.True(r.FragmentLength < r.MessageLength));
    }

    [Fact]
    public async Task A_ClientHello_with_a_post_quantum_key_share_and_DTLS_1_3_offered_spans_two_datagrams_and_gets_DTLS_1_2()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        // As Firefox 146+ sends it: supported_versions DTLS 1.3 then 1.2, X25519MLKEM768 first in the groups and the key shares.
        client.ExtraExtensions[ExtensionType.supported_versions] = [4, 0xFE, 0xFC, 0xFE, 0xFD];
        client.ExtraExtensions[ExtensionType.supported_groups] = [0, 6, 0x11, 0xEC, 0x00, 0x1D, 0x00, 0x17];
        client.ExtraExtensions[ExtensionType.key_share] = KeyShares((0x11EC, 1216), (0x001D, 32));

        await link.ConnectVerifiedAsync(client);

        Assert.Equal(ProtocolVersion.DTLSv12, client.NegotiatedVersion);
        var hello = ClientHandshake(link).Where(r => r.MessageType == ClientHello && r.MessageSequence == 0).ToList();
        Assert.True(hello[0].MessageLength > 1300, $"ClientHello of {hello[0].MessageLength} bytes");
        Assert.True(hello.Count >= 2);
        Assert.All(link.FromClient, d => Assert.True(d.Length <= 1200));
    }

    [Fact]
    public async Task ClientHello_fragments_that_arrive_as_several_records_in_one_datagram_are_reassembled()
    {
        using var link = new DtlsLoopback(clientMtu: 200) { CoalesceFirstClientDatagrams = 4 };
        var client = new TestDtlsClient();
        client.ExtraExtensions[ExtensionType.padding] = new byte[600]; // at least four fragments of at most 200 bytes

        await link.ConnectVerifiedAsync(client);

        var firstFour = link.FromClient.Take(4).Select(DtlsRecord.Parse).ToList();
        Assert.All(firstFour, records => Assert.Equal(ClientHello, Assert.Single(records).MessageType));
        Assert.Equal(link.FromClient.Count - 3, link.Session.DatagramsReceived); // four became one
    }

    [Fact]
    public async Task A_client_that_goes_silent_after_its_ClientHello_fails_the_session_at_the_handshake_timeout()
    {
        using var link = new DtlsLoopback(new DtlsServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(1.5) });
        var hellos = 0;
        link.DropFromClient = d => DtlsRecord.Parse(d) is not [{ MessageType: ClientHello }] || Interlocked.Increment(ref hellos) > 1;
        var client = new TestDtlsClient { HandshakeTimeoutMillis = 3000 };

        var connecting = link.ConnectAsync(client);
        var (failure, _) = await link.Listener.Failed.WaitAsync(DtlsLoopback.Patience);

        Assert.Equal(DtlsFailure.Timeout, failure);
        Assert.Equal(DtlsSessionState.Failed, link.Session.State);
        await Assert.ThrowsAnyAsync<Exception>(() => connecting.WaitAsync(DtlsLoopback.Patience));
    }

    private static List<DtlsRecord> ServerHandshake(DtlsLoopback link) =>
        [.. link.FromServer.SelectMany(DtlsRecord.Parse).Where(r => r.IsClearHandshake)];

    private static List<DtlsRecord> ClientHandshake(DtlsLoopback link) =>
        [.. link.FromClient.SelectMany(DtlsRecord.Parse).Where(r => r.IsClearHandshake)];

    // RFC 8446 §4.2.8 KeyShareClientHello: a 16-bit length, then (group, 16-bit length, key exchange) entries.
    private static byte[] KeyShares(params (int Group, int Length)[] shares)
    {
        var body = new List<byte>();
        foreach (var (group, length) in shares)
        {
            body.AddRange([(byte)(group >> 8), (byte)group, (byte)(length >> 8), (byte)length]);
            body.AddRange(RandomNumberGenerator.GetBytes(length));
        }

        return [(byte)(body.Count >> 8), (byte)body.Count, .. body];
    }
}
