using Broadcast.Ingest.Dtls;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>Loopback handshakes between our DTLS server and BouncyCastle's DTLS client: keys, profiles, certificates.</summary>
public sealed class DtlsHandshakeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_whose_certificate_matches_the_fingerprint_connects_and_both_sides_export_the_same_SRTP_keys()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();

        var transport = await link.ConnectVerifiedAsync(client);

        var server = await link.Listener.Connected;
        var mine = client.Keys!;
        Assert.Equal(mine.Profile, server.Profile);
        Assert.Equal(mine.ClientWriteKey.ToArray(), server.ClientWriteKey.ToArray());
        Assert.Equal(mine.ClientWriteSalt.ToArray(), server.ClientWriteSalt.ToArray());
        Assert.Equal(mine.ServerWriteKey.ToArray(), server.ServerWriteKey.ToArray());
        Assert.Equal(mine.ServerWriteSalt.ToArray(), server.ServerWriteSalt.ToArray());
        Assert.NotEqual(server.ClientWriteKey.ToArray(), server.ServerWriteKey.ToArray());
        Assert.Equal(DtlsSessionState.Connected, link.Session.State);
        Assert.Same(server, link.Session.SrtpKeys);
        Assert.Equal(ProtocolVersion.DTLSv12, client.NegotiatedVersion);
        Assert.Equal(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, link.Session.CipherSuite);
        Assert.Equal(client.Certificate.Der.ToArray(), link.Session.PeerCertificate!.Value.ToArray());
        Assert.True(link.ServerCertificate.Fingerprint.Matches(client.ServerCertificateDer));
        Assert.Equal(1, link.Listener.ConnectedCount);
        Assert.Equal(0, link.Listener.EndCount);
        output.WriteLine($"handshake {link.Session.HandshakeDuration!.Value.TotalMilliseconds:F1} ms, "
            + $"{link.FromClient.Count} datagrams from the client, {link.FromServer.Count} from the server");
        transport.Close();
    }

    [Fact]
    public async Task The_preferred_profile_AEAD_AES_128_GCM_is_chosen_whatever_order_the_client_lists_its_profiles_in()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient(); // offers _80, _32, GCM in that order, as Chrome does

        await link.ConnectVerifiedAsync(client);

        Assert.Equal(SrtpProfile.AeadAes128Gcm, client.NegotiatedProfile);
        var keys = await link.Listener.Connected;
        Assert.Equal(SrtpProfile.AeadAes128Gcm, keys.Profile);
        Assert.Equal(16, keys.ClientWriteKey.Length);
        Assert.Equal(12, keys.ClientWriteSalt.Length);
    }

    [Theory]
    [InlineData(new[] { 0x0002, 0x0001 }, SrtpProfile.AesCm128HmacSha1Tag80)]
    [InlineData(new[] { 0x0002 }, SrtpProfile.AesCm128HmacSha1Tag32)]
    [InlineData(new[] { 0x0008, 0x0001 }, SrtpProfile.AesCm128HmacSha1Tag80)] // AES-256-GCM is not ours
    public async Task Without_GCM_the_server_answers_the_80_bit_tag_before_the_32_bit_one_and_never_a_profile_it_lacks(
        int[] offered, SrtpProfile expected)
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient { OfferedProfiles = offered };

        await link.ConnectVerifiedAsync(client);

        Assert.Equal(expected, client.NegotiatedProfile);
        var keys = await link.Listener.Connected;
        Assert.Equal(14, keys.ClientWriteSalt.Length);
        Assert.Equal(client.Keys!.ClientWriteKey.ToArray(), keys.ClientWriteKey.ToArray());
    }

    [Fact]
    public async Task A_client_that_offers_no_SRTP_profile_of_ours_is_refused()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient { OfferedProfiles = [SrtpProtectionProfile.SRTP_AEAD_AES_256_GCM] };
        link.Session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        await Assert.ThrowsAnyAsync<TlsException>(() => link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience));

        var (failure, _) = await link.Listener.Failed.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(DtlsFailure.NoSrtpProfile, failure);
        Assert.Equal(DtlsSessionState.Failed, link.Session.State);
    }

    [Fact]
    public async Task A_wrong_fingerprint_in_connect_fails_the_session_and_the_client_gets_a_bad_certificate_alert()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        link.Session.SetRemoteFingerprint(DtlsCertificate.Generate().Fingerprint); // somebody else's

        await Assert.ThrowsAnyAsync<TlsException>(() => link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience));

        var (failure, detail) = await link.Listener.Failed.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(DtlsFailure.FingerprintMismatch, failure);
        Assert.Contains("sha-256", detail, StringComparison.Ordinal);
        Assert.Contains((AlertLevel.fatal, AlertDescription.bad_certificate), client.AlertsReceived);
        Assert.Null(link.Session.SrtpKeys);
        Assert.Equal(0, link.Listener.ConnectedCount);
    }

    [Fact]
    public async Task A_fingerprint_that_arrives_after_the_handshake_connects_the_session_then()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();

        await link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience);
        await Task.Delay(50);
        Assert.Equal(DtlsSessionState.Connecting, link.Session.State);
        Assert.False(link.Listener.Connected.IsCompleted);

        link.Session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        var keys = await link.Listener.Connected.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(client.Keys!.ServerWriteKey.ToArray(), keys.ServerWriteKey.ToArray());
    }

    [Fact]
    public async Task A_wrong_fingerprint_that_arrives_after_the_handshake_fails_the_session()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        await link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience);

        link.Session.SetRemoteFingerprint(DtlsCertificate.Generate().Fingerprint);

        var (failure, _) = await link.Listener.Failed.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(DtlsFailure.FingerprintMismatch, failure);
        Assert.Equal(0, link.Listener.ConnectedCount);
    }

    [Theory]
    [InlineData("sha-512", false)]
    [InlineData("SHA-384", true)]
    [InlineData("sha-1", true)]
    [InlineData("sha-224", false)]
    public async Task The_client_certificate_is_checked_with_the_algorithm_the_client_named_and_any_hex_case(string algorithm, bool lowercase)
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        var given = client.Certificate.GetFingerprint(algorithm);
        link.Session.SetRemoteFingerprint(DtlsFingerprint.Parse(algorithm, lowercase ? given.Value.ToLowerInvariant() : given.Value));

        await link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience);

        await link.Listener.Connected.WaitAsync(DtlsLoopback.Patience);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient { SendsCertificate = false };
        link.Session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        await Assert.ThrowsAnyAsync<TlsException>(() => link.ConnectAsync(client).WaitAsync(DtlsLoopback.Patience));

        var (failure, _) = await link.Listener.Failed.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(DtlsFailure.NoClientCertificate, failure);
        Assert.Contains((AlertLevel.fatal, AlertDescription.handshake_failure), client.AlertsReceived);
    }

    [Fact]
    public async Task The_certificate_request_lists_ecdsa_sign_first_and_rsa_sign_too()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();

        await link.ConnectVerifiedAsync(client);

        Assert.Equal([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], client.RequestedCertificateTypes!);
    }

    [Fact]
    public void Setting_another_remote_fingerprint_is_refused_but_the_same_one_again_is_fine()
    {
        using var link = new DtlsLoopback();
        var fingerprint = DtlsCertificate.Generate().Fingerprint;
        link.Session.SetRemoteFingerprint(fingerprint);
        link.Session.SetRemoteFingerprint(DtlsFingerprint.Parse("SHA-256", fingerprint.Value.ToLowerInvariant()));

        Assert.Throws<InvalidOperationException>(() => link.Session.SetRemoteFingerprint(DtlsCertificate.Generate().Fingerprint));
    }
}
