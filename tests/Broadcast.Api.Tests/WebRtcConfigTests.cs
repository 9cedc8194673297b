using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Broadcast.Api.Options;
using Broadcast.Api.WebRtc;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>GET /api/v1/webrtc-config and the ICE-server Link headers of WHIP and WHEP answers.</summary>
public sealed class WebRtcConfigTests
{
    private const string Secret = "north-of-the-wall-secret";

    [Fact]
    public void A_minted_TURN_credential_is_the_one_coturn_computes_from_its_shared_secret()
    {
        // Computed outside .NET: printf '1700086400:broadcast' | openssl dgst -sha1 -hmac '<secret>' -binary | base64
        var credential = TurnCredential.Mint(Secret, "broadcast", DateTimeOffset.FromUnixTimeSeconds(1_700_086_400));

        Assert.Equal("1700086400:broadcast", credential.Username);
        Assert.Equal("Fg9lSUa8o9HTd8eLEs6tmIOSZUQ=", credential.Password);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_086_400), credential.ExpiresAt);
    }

    [Fact]
    public void A_credential_expires_on_a_whole_second()
    {
        var credential = TurnCredential.Mint(Secret, "u", DateTimeOffset.FromUnixTimeMilliseconds(1_700_086_400_999));

        Assert.Equal("1700086400:u", credential.Username);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_086_400), credential.ExpiresAt);
    }

    [Theory]
    [InlineData("StunUrls", "stun.example.com:3478", "must start with stun:")]
    [InlineData("StunUrls", "turn:turn.example.com", "must start with stun:")]
    [InlineData("TurnUrls", "stun:stun.example.com", "must start with turn:")]
    [InlineData("TurnUrls", "turn:a.example.com, turn:b example.com", "must start with turn:")]
    [InlineData("TurnSecret", "", "TurnSecret (TURN_SECRET) is required")]
    [InlineData("CredentialLifetime", "00:00:00", "CredentialLifetime must be more than zero")]
    [InlineData("CredentialLifetime", "31.00:00:00", "CredentialLifetime must be more than zero")]
    [InlineData("TurnUser", "a:b", "TurnUser must be")]
    public void Wrong_settings_are_refused_with_the_key_named(string key, string value, string expected)
    {
        var options = new IceServersOptions { StunUrls = "stun:stun.example.com:3478", TurnUrls = "turn:turn.example.com:3478", TurnSecret = Secret };
        switch (key)
        {
            case "StunUrls": options.StunUrls = value; break;
            case "TurnUrls": options.TurnUrls = value; break;
            case "TurnSecret": options.TurnSecret = value; break;
            case "CredentialLifetime": options.CredentialLifetime = TimeSpan.Parse(value, CultureInfo.InvariantCulture); break;
            default: options.TurnUser = value; break;
        }

        var result = new IceServersOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_ice_servers_the_configuration_is_empty_but_complete()
    {
        await using var host = await BroadcastHost.StartAsync();

        using var response = await host.Client.GetAsync("api/v1/webrtc-config");
        var config = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, config.GetProperty("iceServers").GetArrayLength());
        Assert.Equal("require", config.GetProperty("rtcpMuxPolicy").GetString());
        Assert.Equal("max-bundle", config.GetProperty("bundlePolicy").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("expiresAt").ValueKind);
    }

    [Fact]
    public async Task STUN_and_TURN_servers_come_with_credentials_valid_for_a_day()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["IceServers:StunUrls"] = "stun:stun.example.com:3478",
            ["IceServers:TurnUrls"] = "turn:127.0.0.1:3478?transport=udp, turn:127.0.0.1:3478?transport=tcp",
            ["IceServers:TurnSecret"] = Secret,
        });

        using var response = await host.Client.GetAsync("api/v1/webrtc-config");
        var config = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var servers = config.GetProperty("iceServers").EnumerateArray().ToList();
        Assert.Equal(2, servers.Count);
        Assert.Equal(["stun:stun.example.com:3478"], servers[0].GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        Assert.False(servers[0].TryGetProperty("username", out var none) && none.ValueKind != JsonValueKind.Null);
        var turn = servers[1];
        Assert.Equal(["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
            turn.GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        var username = turn.GetProperty("username").GetString()!;
        Assert.EndsWith(":broadcast", username, StringComparison.Ordinal);
        Assert.Equal(ExpectedPassword(username), turn.GetProperty("credential").GetString());
        Assert.Equal("password", turn.GetProperty("credentialType").GetString());
        var expiry = DateTimeOffset.FromUnixTimeSeconds(long.Parse(username.Split(':')[0], CultureInfo.InvariantCulture));
        Assert.Equal(expiry, config.GetProperty("expiresAt").GetDateTimeOffset());
        // A day from now; the bound is loose because only the configured lifetime is under test.
        Assert.InRange(expiry - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));
    }

    [Fact]
    public async Task WHIP_and_WHEP_answers_carry_the_ice_servers_as_Link_headers()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["IceServers:StunUrls"] = "stun:stun.example.com:3478",
            ["IceServers:TurnUrls"] = "turn:127.0.0.1:3478?transport=udp",
            ["IceServers:TurnSecret"] = Secret,
            ["IceServers:CredentialLifetime"] = "01:00:00",
            ["IceServers:TurnUser"] = "whip",
        });

        var content = new StringContent(WhipApiTests.ObsOffer.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        using var response = await host.Client.PostAsync("whip/links", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var links = response.Headers.GetValues("Link").ToList();
        Assert.Equal(2, links.Count);
        Assert.Equal("<stun:stun.example.com:3478>; rel=\"ice-server\"", links[0]);
        var turn = links[1];
        Assert.StartsWith("<turn:127.0.0.1:3478?transport=udp>; rel=\"ice-server\"; username=\"", turn, StringComparison.Ordinal);
        var username = turn.Split("username=\"")[1].Split('"')[0];
        Assert.EndsWith(":whip", username, StringComparison.Ordinal);
        Assert.Contains($"credential=\"{ExpectedPassword(username)}\"; credential-type=\"password\"", turn, StringComparison.Ordinal);
        var expiry = DateTimeOffset.FromUnixTimeSeconds(long.Parse(username.Split(':')[0], CultureInfo.InvariantCulture));
        Assert.InRange(expiry - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(70));
        // Browsers on other origins read them.
        Assert.Contains("Link", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }

    private static string ExpectedPassword(string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(username)));
}
