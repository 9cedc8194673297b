using System.Net;
using Broadcast.Api.Options;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>Behind a load balancer (Api:KnownProxies) and with JWT issuer and audience checked (Api:JwtIssuer, Api:JwtAudience).</summary>
public sealed class ProxyAndIssuerTests
{
    private static readonly (string, string)[] FromTheInternet = [("X-Forwarded-For", "203.0.113.7")];

    [Fact]
    public async Task Behind_a_trusted_proxy_a_forwarded_client_is_not_a_loopback_admin_and_a_direct_one_still_is()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:KnownProxies"] = "127.0.0.1" });

        using var forwarded = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, FromTheInternet);
        using var direct = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None);
        // A local client through the local proxy is a loopback client again.
        using var local = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, ("X-Forwarded-For", "127.0.0.1"));

        Assert.Equal(HttpStatusCode.Forbidden, forwarded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
    }

    [Fact]
    public async Task Without_a_trusted_proxy_forwarded_headers_are_ignored_and_such_a_request_is_never_loopback()
    {
        await using var host = await BroadcastHost.StartAsync();

        using var forwarded = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, ("X-Forwarded-For", "127.0.0.1"));

        Assert.Equal(HttpStatusCode.Forbidden, forwarded.StatusCode);
    }

    [Fact]
    public async Task Clients_behind_the_proxy_each_get_their_own_rate_limit()
    {
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Api:KnownProxies", "127.0.0.1"), ("Api:RateLimit:RequestsPerSecond", "2")));

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.AdminApiKey, null, ("X-Forwarded-For", "203.0.113.1"));
            first.Add(response.StatusCode);
        }

        using var other = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.AdminApiKey, null, ("X-Forwarded-For", "203.0.113.2"));

        // The bucket holds 2 and refills 2 a second: 20 in a row exceed it unless they take ten seconds.
        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task URLs_the_API_builds_use_the_public_scheme_and_host_the_proxy_forwards()
    {
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Api:KnownProxies", "127.0.0.1")));
        await host.Client.SendAsync(HttpMethod.Post, "api/v1/channels", Credential.AdminApiKey, """{ "channel_id": "proxied", "source": "webrtc" }""");

        using var response = await host.Client.SendAsync(HttpMethod.Post, "api/v1/channels/proxied/hls-url", Credential.AdminApiKey, "{}",
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "tv.example.com"));
        var signed = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("https://tv.example.com/hls/proxied/index.m3u8?", signed.GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("broadcast-issuer", "broadcast-console", HttpStatusCode.OK)]
    [InlineData("someone-else", "broadcast-console", HttpStatusCode.Unauthorized)]
    [InlineData("broadcast-issuer", "another-audience", HttpStatusCode.Unauthorized)]
    [InlineData(null, null, HttpStatusCode.Unauthorized)]
    public async Task A_configured_issuer_and_audience_are_required_of_admin_JWTs(string? issuer, string? audience, HttpStatusCode expected)
    {
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Api:JwtIssuer", "broadcast-issuer"), ("Api:JwtAudience", "broadcast-console")));
        var claims = TestJwt.Claims("admin", TimeSpan.FromMinutes(5));
        if (issuer is not null)
        {
            claims["iss"] = issuer;
        }

        if (audience is not null)
        {
            claims["aud"] = audience;
        }

        using var response = await host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null,
            AuthCalls.Bearer(TestJwt.Create(SecuredHost.JwtSecret, claims)));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("KnownProxies", "10.0.0.300", "is not an IP address")]
    [InlineData("KnownNetworks", "10.0.0.0/33", "is not a network in CIDR")]
    [InlineData("ForwardLimit", "0", "ForwardLimit must be 1..10")]
    public void Wrong_proxy_settings_are_refused(string key, string value, string expected)
    {
        var options = new ApiOptions();
        switch (key)
        {
            case "KnownProxies": options.KnownProxies = value; break;
            case "KnownNetworks": options.KnownNetworks = value; break;
            default: options.ForwardLimit = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }
}
