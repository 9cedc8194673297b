using System.Text;
using Broadcast.Ingest.Dtls;

namespace Broadcast.Ingest.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    private static readonly byte[] Abc = Encoding.ASCII.GetBytes("abc");

    [Theory] // FIPS 180-4 example digests of "abc"
    [InlineData("sha-1", "A9993E364706816ABA3E25717850C26C9CD0D89D")]
    [InlineData("sha-224", "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7")]
    [InlineData("sha-256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("sha-384", "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7")]
    [InlineData("sha-512", "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD"
        + "454D4423643CE80E2A9AC94FA54CA49F")]
    public void Each_algorithm_computes_its_digest_as_uppercase_colon_separated_hex(string algorithm, string hex)
    {
        var fingerprint = DtlsFingerprint.Compute(algorithm, Abc);

        Assert.Equal(algorithm, fingerprint.Algorithm);
        Assert.Equal(hex, fingerprint.Value.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal(hex.Length / 2 * 3 - 1, fingerprint.Value.Length);
        Assert.True(fingerprint.Matches(Abc));
        Assert.False(fingerprint.Matches("abd"u8));
    }

    [Fact]
    public void A_fingerprint_given_in_lowercase_with_an_uppercase_algorithm_equals_ours_and_matches()
    {
        var ours = DtlsFingerprint.Compute("sha-256", Abc);

        var theirs = DtlsFingerprint.Parse("SHA-256", ours.Value.ToLowerInvariant());

        Assert.Equal(ours, theirs);
        Assert.Equal(ours.GetHashCode(), theirs.GetHashCode());
        Assert.Equal(ours.Value, theirs.Value);
        Assert.True(theirs.Matches(Abc));
        Assert.Equal("sha-256 " + ours.Value, theirs.ToString());
    }

    [Theory]
    [InlineData(null, "AB")]
    [InlineData("md5", "90:01:50:98:3C:D2:4F:B0:D6:96:3F:7D:28:E1:7F:72")] // unsupported algorithm
    [InlineData("sha256", "BA:78")] // the name needs its dash
    [InlineData("sha-256", null)]
    [InlineData("sha-256", "")]
    [InlineData("sha-256", "BA:78:16:BF")] // too short for sha-256
    [InlineData("sha-1", "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D:00")] // too long
    [InlineData("sha-1", "A9993E364706816ABA3E25717850C26C9CD0D89D")] // no separators
    [InlineData("sha-1", "A9-99-3E-36-47-06-81-6A-BA-3E-25-71-78-50-C2-6C-9C-D0-D8-9D")] // wrong separator
    [InlineData("sha-1", "G9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D")] // not hex
    [InlineData("sha-1", " A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9")] // space
    [InlineData("sha-1", "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D:")] // trailing colon
    public void Invalid_fingerprints_are_not_parsed(string? algorithm, string? value)
    {
        Assert.False(DtlsFingerprint.TryParse(algorithm, value, out var fingerprint));
        Assert.Null(fingerprint);
    }

    [Fact]
    public void Parse_says_whether_the_algorithm_or_the_value_is_wrong()
    {
        var algorithm = Assert.Throws<FormatException>(() => DtlsFingerprint.Parse("md5", "AB"));
        var value = Assert.Throws<FormatException>(() => DtlsFingerprint.Parse("sha-256", "AB"));

        Assert.Contains("not a supported fingerprint algorithm", algorithm.Message, StringComparison.Ordinal);
        Assert.Contains("is not a sha-256 fingerprint", value.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DtlsFingerprint.Compute("md5", Abc));
    }

    [Fact]
    public void A_fingerprint_of_one_algorithm_never_equals_one_of_another()
    {
        Assert.NotEqual(DtlsFingerprint.Compute("sha-256", Abc), DtlsFingerprint.Compute("sha-512", Abc));
        Assert.True(DtlsFingerprint.IsSupportedAlgorithm("Sha-512"));
        Assert.False(DtlsFingerprint.IsSupportedAlgorithm("sha-3"));
    }
}
