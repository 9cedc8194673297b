using Broadcast.Ingest.Protocols.Rtsp;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

public class RtspAuthenticationTests
{
    private static IReadOnlyList<RtspAuthenticationChallenge> Challenges(string response)
    {
        Assert.True(RtspResponse.TryParse(Bytes(response), out var parsed));
        return RtspAuthenticationChallenge.ParseAll(parsed.Headers.GetAll("WWW-Authenticate"));
    }

    [Fact]
    public void The_captured_basic_challenge_names_its_realm()
    {
        var challenge = Assert.Single(Challenges(GStreamerBasicChallenge));

        Assert.True(challenge.IsBasic);
        Assert.Equal("GStreamer RTSP Server", challenge.Realm);
        Assert.True(RtspAuthorization.CanAnswer(challenge));
    }

    [Fact]
    public void The_captured_digest_challenge_is_rfc_2069_style_without_qop()
    {
        var challenge = Assert.Single(Challenges(GStreamerDigestChallenge));

        Assert.True(challenge.IsDigest);
        Assert.Equal("5ff041e51a5a0652", challenge.Nonce);
        Assert.Empty(challenge.Qop);
        Assert.Equal("MD5", challenge.Algorithm);
        Assert.False(challenge.Stale);
    }

    [Fact]
    public void A_camera_sending_a_digest_and_a_basic_header_yields_both_in_order()
    {
        var challenges = Challenges(TwoChallenges);

        Assert.Equal(["Digest", "Basic"], challenges.Select(c => c.Scheme));
        Assert.False(challenges[0].Stale);
        Assert.Equal("IP Camera(C6478)", challenges[1].Realm);
    }

    [Fact]
    public void Two_challenges_in_one_header_are_split_at_the_second_scheme()
    {
        var challenges = RtspAuthenticationChallenge.ParseAll(["Digest realm=\"a, b\", nonce=abc==, Basic realm=\"a\""]);

        Assert.Equal(2, challenges.Count);
        Assert.Equal("a, b", challenges[0].Realm);
        Assert.Equal("abc==", challenges[0].Nonce);
        Assert.True(challenges[1].IsBasic);
    }

    [Fact]
    public void A_qop_challenge_lists_its_options_opaque_and_algorithm_and_a_stale_one_says_so()
    {
        var qop = Assert.Single(Challenges(QopChallenge));
        var stale = Assert.Single(Challenges(StaleChallenge));

        Assert.Equal(["auth", "auth-int"], qop.Qop);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", qop.Opaque);
        Assert.Equal("MD5", qop.Algorithm);
        Assert.True(stale.Stale);
        Assert.Equal("0d7c5b1c2a3e4f00", stale.Nonce);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData("realm=\"x\"")]
    public void Headers_without_a_scheme_yield_no_challenge(string value)
    {
        Assert.False(RtspAuthenticationChallenge.TryParse(value, out _));
    }

    [Fact]
    public void An_unterminated_quote_or_an_escaped_quote_does_not_break_parsing()
    {
        Assert.True(RtspAuthenticationChallenge.TryParse("Digest realm=\"a\\\"b\", nonce=\"open", out var challenge));
        Assert.Equal("a\"b", challenge.Realm);
        Assert.Equal("open", challenge.Nonce);
    }

    [Fact]
    public void Basic_credentials_are_base64_of_user_colon_password()
    {
        Assert.Equal("Basic YWRtaW46c2VjcmV0", RtspAuthorization.Basic("admin", "secret"));
    }

    [Fact]
    public void Digest_with_qop_auth_matches_the_rfc_2617_example()
    {
        // RFC 2617 §3.5, with qop=auth chosen from "auth,auth-int".
        Assert.True(RtspAuthenticationChallenge.TryParse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            out var challenge));

        Assert.True(RtspAuthorization.TryDigest(challenge, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", 1, out var header));

        Assert.Equal(
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", " +
            "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
            header);
    }

    [Fact]
    public void Digest_with_sha_256_matches_the_rfc_7616_example()
    {
        // RFC 7616 §3.9.1.
        Assert.True(RtspAuthenticationChallenge.TryParse(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, " +
            "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
            out var challenge));

        Assert.True(RtspAuthorization.TryDigest(challenge, "Mufasa", "Circle of Life", "GET", "/dir/index.html",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", 1, out var header));

        Assert.Contains("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"", header, StringComparison.Ordinal);
        Assert.Contains("algorithm=SHA-256", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_without_qop_hashes_nonce_and_ha2_only_as_gstreamer_expects()
    {
        var challenge = Assert.Single(Challenges(GStreamerDigestChallenge));

        Assert.True(RtspAuthorization.TryDigest(challenge, "admin", "secret", "DESCRIBE", "rtsp://127.0.0.1:8554/cam", "ignored", 1, out var header));

        // MD5(MD5("admin:GStreamer RTSP Server:secret") ":" nonce ":" MD5("DESCRIBE:rtsp://127.0.0.1:8554/cam"))
        var ha1 = Md5("admin:GStreamer RTSP Server:secret");
        var ha2 = Md5("DESCRIBE:rtsp://127.0.0.1:8554/cam");
        Assert.Contains($"response=\"{Md5($"{ha1}:5ff041e51a5a0652:{ha2}")}\"", header, StringComparison.Ordinal);
        Assert.DoesNotContain("qop", header, StringComparison.Ordinal);
        Assert.DoesNotContain("cnonce", header, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nonce_count_is_eight_hex_digits_and_changes_the_response()
    {
        var challenge = Assert.Single(Challenges(QopChallenge));

        Assert.True(RtspAuthorization.TryDigest(challenge, "u", "p", "PLAY", "rtsp://cam/", "c", 1, out var first));
        Assert.True(RtspAuthorization.TryDigest(challenge, "u", "p", "PLAY", "rtsp://cam/", "c", 0x1a, out var second));

        Assert.Contains("nc=0000001a", second, StringComparison.Ordinal);
        Assert.NotEqual(first[first.IndexOf("response", StringComparison.Ordinal)..], second[second.IndexOf("response", StringComparison.Ordinal)..]);
    }

    [Theory]
    [InlineData("Digest realm=\"x\"")]
    [InlineData("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256")]
    [InlineData("Digest realm=\"x\", nonce=\"n\", qop=\"auth-conf\"")]
    [InlineData("Negotiate abcdef")]
    public void Challenges_this_client_cannot_answer_are_recognised(string value)
    {
        Assert.True(RtspAuthenticationChallenge.TryParse(value, out var challenge));

        Assert.False(RtspAuthorization.CanAnswer(challenge) && RtspAuthorization.TryDigest(challenge, "u", "p", "GET", "/", "c", 1, out _));
    }

    [Fact]
    public void Quotes_in_a_user_name_are_escaped()
    {
        Assert.True(RtspAuthenticationChallenge.TryParse("Digest realm=\"r\", nonce=\"n\"", out var challenge));
        Assert.True(RtspAuthorization.TryDigest(challenge, "a\"b", "p", "GET", "/", "c", 1, out var header));
        Assert.StartsWith("Digest username=\"a\\\"b\"", header, StringComparison.Ordinal);
    }

#pragma warning disable CA5351 // The test recomputes what the camera checks.
    private static string Md5(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
