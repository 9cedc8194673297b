using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Broadcast.Ingest.Dtls;

namespace Broadcast.Ingest.Tests.Dtls;

public sealed class DtlsCertificateTests
{
    [Fact]
    public void The_certificate_is_a_small_self_signed_ECDSA_P256_one_signed_with_SHA256_and_valid_ten_years_either_side()
    {
        var now = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var certificate = DtlsCertificate.Generate(new FixedTime(now));

        using var x509 = X509CertificateLoader.LoadCertificate(certificate.Der.Span);
        Assert.True(certificate.Der.Length < 400, $"{certificate.Der.Length} bytes");
        Assert.Equal(3, x509.Version);
        Assert.Equal("1.2.840.10045.4.3.2", x509.SignatureAlgorithm.Value); // ecdsa-with-SHA256
        using var key = x509.GetECDsaPublicKey()!;
        Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value); // prime256v1
        Assert.Equal(x509.Subject, x509.Issuer);
        Assert.Matches("^CN=broadcast[0-9]{6}$", x509.Subject);
        Assert.Equal("CN=" + certificate.CommonName, x509.Subject);
        Assert.Equal(now.AddYears(-10).UtcDateTime, x509.NotBefore.ToUniversalTime());
        Assert.Equal(now.AddYears(10).UtcDateTime, x509.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void The_certificate_verifies_with_its_own_public_key()
    {
        var certificate = DtlsCertificate.Generate();

        var parsed = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(certificate.Der.ToArray());

        parsed.Verify(parsed.GetPublicKey()); // throws when the signature is wrong
    }

    [Fact]
    public void The_fingerprint_is_the_SHA256_of_the_DER_in_uppercase_hex_pairs_separated_by_colons()
    {
        var certificate = DtlsCertificate.Generate();

        var expected = Convert.ToHexString(SHA256.HashData(certificate.Der.Span));
        Assert.Equal("sha-256", certificate.Fingerprint.Algorithm);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", certificate.Fingerprint.Value);
        Assert.Equal(expected, certificate.Fingerprint.Value.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal(Convert.ToHexString(SHA512.HashData(certificate.Der.Span)),
            certificate.GetFingerprint("sha-512").Value.Replace(":", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_generated_certificate_has_its_own_key_and_fingerprint()
    {
        var first = DtlsCertificate.Generate();
        var second = DtlsCertificate.Generate();

        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        Assert.False(first.Fingerprint.Matches(second.Der.Span));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
