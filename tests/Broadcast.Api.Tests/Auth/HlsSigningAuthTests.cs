using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Api.Options;
using Broadcast.Api.Security;

namespace Broadcast.Api.Tests.Auth;

/// <summary>Signed HLS URLs: the key's sources, the signature format and expiry, and the playlist rewriting (pure code).</summary>
public sealed class HlsSigningAuthTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_configured_signing_key_signs_HMAC_SHA256_over_channel_newline_expiry_in_base64url()
    {
        var signer = HlsUrlSigner.From(new ApiOptions { HlsSigningKey = SignedHlsHost.SigningKey });

        var expected = Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SignedHlsHost.SigningKey), "cam1\n1893499200"u8));
        Assert.Equal(HlsKeySource.Configured, signer.KeySource);
        Assert.Equal(expected, signer.Sign("cam1", 1893499200));
        Assert.DoesNotContain('=', expected);
        Assert.Equal($"expires=1893499200&sig={expected}", signer.Query("cam1", 1893499200));
    }

    [Fact]
    public void Without_a_signing_key_one_is_derived_from_the_JWT_secret_with_HKDF()
    {
        var signer = HlsUrlSigner.From(new ApiOptions { JwtSecret = SecuredHost.JwtSecret });

        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(SecuredHost.JwtSecret), 32, [], "broadcast/hls-url-signing/v1"u8.ToArray());
        Assert.Equal(HlsKeySource.DerivedFromJwtSecret, signer.KeySource);
        Assert.Equal(Base64Url.EncodeToString(HMACSHA256.HashData(key, "cam1\n100"u8)), signer.Sign("cam1", 100));
        Assert.NotEqual(Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SecuredHost.JwtSecret), "cam1\n100"u8)), signer.Sign("cam1", 100));
    }

    [Fact]
    public void Without_either_each_process_has_a_random_key()
    {
        var first = HlsUrlSigner.From(new ApiOptions());
        var second = HlsUrlSigner.From(new ApiOptions());

        Assert.Equal(HlsKeySource.RandomPerProcess, first.KeySource);
        Assert.NotEqual(first.Sign("cam1", 100), second.Sign("cam1", 100));
    }

    [Fact]
    public void A_signature_is_valid_until_its_expiry_second_has_passed()
    {
        var signer = HlsUrlSigner.From(new ApiOptions { HlsSigningKey = SignedHlsHost.SigningKey });
        var expires = Now.ToUnixTimeSeconds();
        var sig = signer.Sign("cam1", expires);

        Assert.Equal(HlsSignatureCheck.Valid, signer.Verify("cam1", $"{expires}", sig, Now));
        Assert.Equal(HlsSignatureCheck.Expired, signer.Verify("cam1", $"{expires}", sig, Now.AddSeconds(1)));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam2", $"{expires}", sig, Now));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam1", $"{expires + 1}", sig, Now));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam1", $"{expires}", sig + "AA", Now));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam1", $"+{expires}", sig, Now));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam1", $"{expires}", new string('A', 400), Now));
        Assert.Equal(HlsSignatureCheck.Wrong, signer.Verify("cam1", $"{expires}", "not base64!", Now));
        Assert.Equal(HlsSignatureCheck.Missing, signer.Verify("cam1", null, null, Now));
    }

    [Fact]
    public void Rewriting_appends_the_query_to_relative_URI_lines_and_URI_attributes_keeping_line_endings()
    {
        const string playlist = "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio/index.m3u8\"\n#EXTINF:2,\nseg0.ts\n\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg1.ts?part=0\"\nseg1.ts";

        var rewritten = SignedPlaylist.AddQuery(playlist, "expires=1&sig=x");

        Assert.Equal(
            "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4?expires=1&sig=x\",BYTERANGE=\"720@0\"\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio/index.m3u8?expires=1&sig=x\"\n" +
            "#EXTINF:2,\nseg0.ts?expires=1&sig=x\n\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg1.ts?part=0&expires=1&sig=x\"\nseg1.ts?expires=1&sig=x",
            rewritten);
    }

    [Theory]
    [InlineData("https://cdn.example/seg0.ts")]
    [InlineData("http://cdn.example/seg0.ts")]
    [InlineData("/hls/other/seg0.ts")]
    [InlineData("//cdn.example/seg0.ts")]
    [InlineData("data:application/octet-stream;base64,AAAA")]
    public void Rewriting_leaves_URIs_that_point_elsewhere_alone(string uri)
    {
        Assert.Equal($"#EXTM3U\n{uri}\n#EXT-X-MAP:URI=\"{uri}\"\n", SignedPlaylist.AddQuery($"#EXTM3U\n{uri}\n#EXT-X-MAP:URI=\"{uri}\"\n", "expires=1&sig=x"));
    }
}
