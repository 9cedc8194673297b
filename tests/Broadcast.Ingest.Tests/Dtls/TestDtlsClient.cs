using Broadcast.Ingest.Dtls;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>
/// BouncyCastle's own DTLS 1.2 client dressed as a WebRTC peer: its own ECDSA certificate, use_srtp offering the
/// configured profiles, optional extra ClientHello extensions (a DTLS 1.3 browser's supported_versions and key shares).
/// Records what it saw of the server for the tests to check.
/// </summary>
internal sealed class TestDtlsClient : DefaultTlsClient
{
    private readonly BcTlsCrypto _crypto;

    public TestDtlsClient(DtlsCertificate? certificate = null)
        : this(new BcTlsCrypto(new SecureRandom()), certificate ?? DtlsCertificate.Generate())
    {
    }

    private TestDtlsClient(BcTlsCrypto crypto, DtlsCertificate certificate)
        : base(crypto)
    {
        _crypto = crypto;
        Certificate = certificate;
    }

    public DtlsCertificate Certificate { get; }

    /// <summary>use_srtp profiles offered, in order (default: 80-bit tag, 32-bit tag, AES-128-GCM, as Chrome lists them).</summary>
    public int[] OfferedProfiles { get; init; } =
        [SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_32, SrtpProtectionProfile.SRTP_AEAD_AES_128_GCM];

    /// <summary>False: answers the CertificateRequest with an empty Certificate.</summary>
    public bool SendsCertificate { get; init; } = true;

    /// <summary>Raw extensions added to (or replacing ones in) the ClientHello.</summary>
    public Dictionary<int, byte[]> ExtraExtensions { get; } = [];

    public int HandshakeTimeoutMillis { get; init; } = 8000;

    public byte[]? ServerCertificateDer { get; private set; }

    public short[]? RequestedCertificateTypes { get; private set; }

    public SrtpProfile? NegotiatedProfile { get; private set; }

    public SrtpKeyingMaterial? Keys { get; private set; }

    public ProtocolVersion? NegotiatedVersion { get; private set; }

    public List<(short Level, short Description)> AlertsReceived { get; } = [];

    public override int GetHandshakeTimeoutMillis() => HandshakeTimeoutMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() =>
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(OfferedProfiles, TlsUtilities.EmptyBytes));
        foreach (var (type, data) in ExtraExtensions)
        {
            extensions[type] = data;
        }

        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        var answer = TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        if (answer is null || answer.ProtectionProfiles.Length != 1 || answer.Mki.Length != 0)
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "use_srtp must answer one profile and no MKI");
        }

        NegotiatedProfile = (SrtpProfile)answer.ProtectionProfiles[0];
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        NegotiatedVersion = m_context.ServerVersion;
        var profile = NegotiatedProfile!.Value;
        Keys = SrtpKeyingMaterial.Split(profile,
            m_context.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", null, SrtpKeyingMaterial.ExportLength(profile)));
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        lock (AlertsReceived)
        {
            AlertsReceived.Add((alertLevel, alertDescription));
        }
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    private sealed class Authentication(TestDtlsClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            client.ServerCertificateDer = serverCertificate.Certificate.GetCertificateAt(0).GetEncoded();

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
        {
            client.RequestedCertificateTypes = certificateRequest.CertificateTypes;
            if (!client.SendsCertificate)
            {
                return null;
            }

            var chain = new Certificate([client._crypto.CreateCertificate(client.Certificate.Der.ToArray())]);
            return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(client.m_context), client._crypto,
                client.Certificate.PrivateKey, chain, SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
        }
    }
}
