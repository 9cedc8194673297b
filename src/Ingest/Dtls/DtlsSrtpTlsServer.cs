using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The BouncyCastle server policy of a WebRTC DTLS server: DTLS 1.2 only, ECDHE_ECDSA with AEAD suites only (AES-128-GCM
/// first, as every browser offers it; no CBC, whose malformed records BouncyCastle treats as fatal), our ECDSA P-256 certificate, a CertificateRequest that lists ecdsa_sign before rsa_sign
/// (Chrome 124 rejects RSA-only requests), use_srtp answered with exactly one profile and no MKI, and the SRTP keys
/// exported when the handshake completes. Extended master secret and renegotiation_info come with BouncyCastle's
/// defaults; unknown extensions, groups and versions in the ClientHello (a DTLS 1.3 browser's key shares) are ignored.
/// </summary>
internal sealed class DtlsSrtpTlsServer : DefaultTlsServer
{
    private static readonly int[] OurCipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private readonly BcTlsCrypto _crypto;
    private readonly DtlsCertificate _certificate;
    private readonly DtlsServerOptions _options;
    private readonly DtlsServerSession _session;
    private SrtpProfile? _profile;

    public DtlsSrtpTlsServer(BcTlsCrypto crypto, DtlsCertificate certificate, DtlsServerOptions options, DtlsServerSession session)
        : base(crypto)
    {
        _crypto = crypto;
        _certificate = certificate;
        _options = options;
        _session = session;
    }

    /// <summary>Corrupt records after the handshake (bad MAC, garbage in the current epoch) are dropped, not fatal (RFC 6347 §4.1.2.7).</summary>
    public override bool IgnoreCorruptDtlsRecords => true;

    public int SelectedCipherSuite => m_selectedCipherSuite;

    public override int GetHandshakeTimeoutMillis() => (int)_options.HandshakeTimeout.TotalMilliseconds;

    public override int GetHandshakeResendTimeMillis() => (int)_options.InitialRetransmission.TotalMilliseconds;

    protected override bool PreferLocalCipherSuites() => true;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, OurCipherSuites);

    protected override TlsCredentialedSigner GetECDsaSignerCredentials()
    {
        var chain = new Certificate([_crypto.CreateCertificate(_certificate.Der.ToArray())]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), _crypto, _certificate.PrivateKey, chain,
            SelectEcdsaSignatureAlgorithm());
    }

    public override int GetSelectedCipherSuite()
    {
        var suite = base.GetSelectedCipherSuite();
        // RFC 5288 GCM records carry an 8-byte explicit nonce before the 16-byte tag; RFC 7905 ChaCha20 only the tag.
        _session.OnCipherSuiteSelected(suite == CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 ? 16 : 8 + 16);
        return suite;
    }

    public override CertificateRequest GetCertificateRequest()
    {
        short[] types = [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign];
        return new CertificateRequest(types, TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);
    }

    public override void NotifyClientCertificate(Certificate clientCertificate) => _session.OnClientCertificate(clientCertificate);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        var offer = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        if (offer is null)
        {
            throw _session.Refuse(DtlsFailure.NoSrtpProfile, "the ClientHello has no use_srtp extension", AlertDescription.handshake_failure);
        }

        foreach (var wanted in _options.SrtpProfiles)
        {
            if (Array.IndexOf(offer.ProtectionProfiles, (int)wanted) >= 0)
            {
                _profile = wanted;
                return;
            }
        }

        throw _session.Refuse(DtlsFailure.NoSrtpProfile,
            $"no common SRTP profile in [{string.Join(", ", offer.ProtectionProfiles)}]", AlertDescription.handshake_failure);
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions();
        // RFC 5764 §4.1.1: exactly one profile; an empty MKI (we do not use MKIs).
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([(int)_profile!.Value], TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        // Export here: BouncyCastle clears the security parameters once Accept returns.
        var profile = _profile!.Value;
        var exported = m_context.ExportKeyingMaterial(SrtpKeyingMaterial.ExporterLabel, null, SrtpKeyingMaterial.ExportLength(profile));
        _session.OnHandshakeComplete(SrtpKeyingMaterial.Split(profile, exported));
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
    {
        base.NotifyAlertRaised(alertLevel, alertDescription, message, cause);
        _session.OnAlertRaised(alertLevel, alertDescription, message);
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        base.NotifyAlertReceived(alertLevel, alertDescription);
        _session.OnAlertReceived(alertLevel, alertDescription);
    }

    // TLS 1.2 signs ServerKeyExchange with a hash the client listed for ECDSA: SHA-256 (every browser lists it) if offered.
    private SignatureAndHashAlgorithm SelectEcdsaSignatureAlgorithm()
    {
        var preferred = SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);
        var offered = m_context.SecurityParameters.ClientSigAlgs;
        if (offered is null || offered.Contains(preferred))
        {
            return preferred;
        }

        foreach (var algorithm in offered)
        {
            if (algorithm.Signature == SignatureAlgorithm.ecdsa && algorithm.Hash is HashAlgorithm.sha384 or HashAlgorithm.sha512)
            {
                return algorithm;
            }
        }

        return preferred;
    }
}
