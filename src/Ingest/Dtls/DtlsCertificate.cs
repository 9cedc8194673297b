using System.Globalization;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The DTLS server's identity: a self-signed X.509 v3 certificate on an ECDSA P-256 key, signed with SHA-256, as
/// mediasoup makes it (random CN, valid from ten years ago to ten years ahead). It has no extensions, so its DER is
/// about 300 bytes and the Certificate message fits one datagram. Generate one per process or server and share it;
/// its SHA-256 <see cref="Fingerprint"/> is what <c>dtlsParameters.fingerprints</c> announces.
/// </summary>
public sealed class DtlsCertificate
{
    private readonly byte[] _der;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey, string commonName)
    {
        _der = der;
        PrivateKey = privateKey;
        CommonName = commonName;
        Fingerprint = DtlsFingerprint.Compute(DtlsFingerprint.Sha256, der);
    }

    /// <summary>The certificate in DER.</summary>
    public ReadOnlyMemory<byte> Der => _der;

    /// <summary>The random subject and issuer CN, <c>broadcast</c> and six digits.</summary>
    public string CommonName { get; }

    /// <summary>SHA-256 of <see cref="Der"/>: the fingerprint to announce.</summary>
    public DtlsFingerprint Fingerprint { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The fingerprint with another algorithm (any of <see cref="DtlsFingerprint.Algorithms"/>).</summary>
    public DtlsFingerprint GetFingerprint(string algorithm) => DtlsFingerprint.Compute(algorithm, _der);

    /// <summary>Creates a new key pair and certificate; <paramref name="time"/> gives "now" for the validity.</summary>
    public static DtlsCertificate Generate(TimeProvider? time = null)
    {
        var random = new SecureRandom();
        var keys = new ECKeyPairGenerator();
        // A named curve keeps the public key small (the OID, not the whole domain) and is what browsers accept.
        keys.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        var pair = keys.GenerateKeyPair();

        var commonName = "broadcast" + random.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var name = new X509Name("CN=" + commonName);
        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var serial = new byte[8];
        random.NextBytes(serial);

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, serial));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now.AddYears(-10));
        generator.SetNotAfter(now.AddYears(10));
        generator.SetPublicKey(pair.Public);
        var certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pair.Private, random));
        return new DtlsCertificate(certificate.GetEncoded(), pair.Private, commonName);
    }
}
