using System.Net;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests.Auth;

/// <summary>Admin routes on a host with JWT_SECRET and API_KEYS configured, called from loopback (which no longer suffices).</summary>
public sealed class AdminAuthTests(SecuredHost secured) : IClassFixture<SecuredHost>
{
    private const string DefinedChannel = "admin-defined";

    private readonly BroadcastHost _host = secured.Host;

    /// <summary>One route of each admin group, and the status an admin gets from it.</summary>
    private static readonly (string Method, string Path, HttpStatusCode Success)[] AdminRoutes =
    [
        ("GET", "api/v1/mediasoup/router", HttpStatusCode.OK),
        ("POST", "api/v1/mediasoup/router", HttpStatusCode.Created),
        ("GET", "api/v1/channels", HttpStatusCode.OK),
        ("GET", $"api/v1/channels/{DefinedChannel}/hls", HttpStatusCode.NotFound), // admitted: no pipeline yet
        ("POST", $"api/v1/channels/{DefinedChannel}/hls-url", HttpStatusCode.OK),
        ("GET", "api/v1/stats", HttpStatusCode.OK),
    ];

    public static TheoryData<string, string, Credential, HttpStatusCode> Matrix()
    {
        var data = new TheoryData<string, string, Credential, HttpStatusCode>();
        foreach (var (method, path, success) in AdminRoutes)
        {
            data.Add(method, path, Credential.None, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.WrongApiKey, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.JwtWithWrongSecret, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.ExpiredJwt, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.Hs384Jwt, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.UnsignedJwt, HttpStatusCode.Unauthorized);
            data.Add(method, path, Credential.JwtWithoutAdminRole, HttpStatusCode.Forbidden);
            data.Add(method, path, Credential.AdminJwt, success);
            data.Add(method, path, Credential.AdminApiKey, success);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task An_admin_route_admits_admin_JWTs_and_API_keys_and_refuses_everything_else(string method, string path,
        Credential credential, HttpStatusCode expected)
    {
        await EnsureDefinedAsync(DefinedChannel);

        using var response = await _host.Client.SendAsync(new HttpMethod(method), path, credential, method == "POST" ? "{}" : null);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} with {credential}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("JWT_SECRET", body, StringComparison.Ordinal);
            Assert.Contains("X-Api-Key", body, StringComparison.Ordinal);
        }

        if (expected == HttpStatusCode.Unauthorized)
        {
            var scheme = credential == Credential.WrongApiKey ? "ApiKey" : "Bearer";
            Assert.StartsWith(scheme, Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_expired_JWT_is_challenged_as_an_invalid_token()
    {
        using var response = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/channels", Credential.ExpiredJwt);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_JWT_whose_role_is_the_string_admin_is_an_admin()
    {
        var token = TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims("admin", TimeSpan.FromMinutes(5)));

        using var response = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, AuthCalls.Bearer(token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_JWT_without_an_expiry_is_refused()
    {
        var token = TestJwt.Create(SecuredHost.JwtSecret, new Dictionary<string, object> { ["role"] = "admin" });

        using var response = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, AuthCalls.Bearer(token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Either_configured_API_key_is_accepted()
    {
        using var response = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, ("X-Api-Key", SecuredHost.OtherApiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_is_public_while_stats_need_an_admin()
    {
        await _host.Client.GetAsync("healthz").ExpectAsync(HttpStatusCode.OK);
        await _host.Client.GetAsync("api/v1/stats").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_swagger_document_and_pages_need_no_credential()
    {
        await _host.Client.GetAsync("swagger/v1/swagger.json").ExpectAsync(HttpStatusCode.OK);
        using var page = await _host.Client.GetAsync("viewer.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Refusals_never_echo_the_credential_that_was_presented()
    {
        var token = TestJwt.Create("some-other-secret-0123456789-abcdef", TestJwt.Claims("admin", TimeSpan.FromHours(1)));

        using var jwt = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.None, null, AuthCalls.Bearer(token));
        using var key = await _host.Client.SendAsync(HttpMethod.Get, "api/v1/stats", Credential.WrongApiKey);

        Assert.DoesNotContain(token, await jwt.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, jwt.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-configured-key", await key.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task EnsureDefinedAsync(string id)
    {
        var store = _host.Services.GetRequiredService<IChannelStore>();
        if (await store.FindAsync(id) is null)
        {
            await _host.DefineChannelAsync(id, withToken: true);
        }
    }
}
