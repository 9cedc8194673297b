using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests.Auth;

/// <summary>What a test request presents.</summary>
public enum Credential
{
    None,
    WrongApiKey,
    JwtWithWrongSecret,
    ExpiredJwt,
    JwtWithoutAdminRole,
    Hs384Jwt,
    UnsignedJwt,
    AdminJwt,
    AdminApiKey,
}

/// <summary>A host with admin credentials configured: a JWT secret and two API keys.</summary>
public sealed class SecuredHost : IAsyncLifetime
{
    public const string JwtSecret = "jwt-secret-of-the-auth-tests-0123456789";
    public const string ApiKey = "api-key-of-the-auth-tests-42";
    public const string OtherApiKey = "another-api-key-0123456789";

    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public static IReadOnlyDictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Api:JwtSecret"] = JwtSecret,
            ["Api:ApiKeys"] = $"{OtherApiKey}, {ApiKey}",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(Settings());

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>JWTs made by hand (header, payload, HMAC), so that the server is checked against the format, not against itself.</summary>
internal static class TestJwt
{
    public static string Create(string secret, IReadOnlyDictionary<string, object> claims, string algorithm = "HS256")
    {
        var input = $"{Part(new Dictionary<string, object> { ["alg"] = algorithm, ["typ"] = "JWT" })}.{Part(claims)}";
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.ASCII.GetBytes(input);
        var signature = algorithm switch
        {
            "HS256" => HMACSHA256.HashData(key, data),
            "HS384" => HMACSHA384.HashData(key, data),
            _ => [],
        };
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    public static Dictionary<string, object> Claims(object role, TimeSpan expiresIn)
    {
        var now = DateTimeOffset.UtcNow;
        return new Dictionary<string, object>
        {
            ["sub"] = "auth-tests",
            ["role"] = role,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(expiresIn).ToUnixTimeSeconds(),
        };
    }

    private static string Part(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}

internal static class AuthCalls
{
    /// <summary>Puts <paramref name="credential"/> on <paramref name="request"/>.</summary>
    public static HttpRequestMessage With(this HttpRequestMessage request, Credential credential)
    {
        foreach (var (name, value) in Headers(credential))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>The headers that present <paramref name="credential"/>.</summary>
    public static IEnumerable<(string Name, string Value)> Headers(Credential credential)
    {
        var hour = TimeSpan.FromHours(1);
        return credential switch
        {
            Credential.None => [],
            Credential.WrongApiKey => [("X-Api-Key", "not-a-configured-key-0123456789")],
            Credential.AdminApiKey => [("X-Api-Key", SecuredHost.ApiKey)],
            Credential.JwtWithWrongSecret => [Bearer(TestJwt.Create("some-other-secret-0123456789-abcdef", TestJwt.Claims("admin", hour)))],
            Credential.ExpiredJwt => [Bearer(TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims("admin", TimeSpan.FromMinutes(-10))))],
            Credential.JwtWithoutAdminRole => [Bearer(TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims("viewer", hour)))],
            Credential.Hs384Jwt => [Bearer(TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims("admin", hour), "HS384"))],
            Credential.UnsignedJwt => [Bearer(TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims("admin", hour), "none"))],
            Credential.AdminJwt => [Bearer(TestJwt.Create(SecuredHost.JwtSecret, TestJwt.Claims(new[] { "viewer", "admin" }, hour)))],
            _ => throw new ArgumentOutOfRangeException(nameof(credential)),
        };
    }

    public static (string, string) Bearer(string token) => ("Authorization", $"Bearer {token}");

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, Credential credential,
        string? json = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path).With(credential);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostOfferAsync(this HttpClient client, string channelId, string sdp, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"whip/{channelId}")
        {
            Content = new StringContent(sdp.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return client.SendAsync(request);
    }

    /// <summary>Adds a channel definition to the host's store, as the channel REST will; returns its publish token (null: none).</summary>
    public static async Task<string?> DefineChannelAsync(this BroadcastHost host, string id, bool withToken = true, bool signedHls = false)
    {
        var token = withToken ? PublishToken.Create() : null;
        var now = DateTimeOffset.UtcNow;
        var definition = new ChannelDefinition(id, ChannelSource.WebRtc, null, new ChannelHlsProfile(SignedUrls: signedHls),
            ChannelRetentionSettings.Default, null, token is null ? null : PublishToken.Hash(token), now, now);
        Assert.True(await host.Services.GetRequiredService<IChannelStore>().TryAddAsync(definition), $"channel {id} defined twice");
        return token;
    }

    /// <summary>A loopback TCP port nothing listens on (a camera that never answers).</summary>
    public static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>This machine's first IPv4 address that is not loopback, or null.</summary>
    public static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != NetworkInterfaceType.Loopback && n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}

/// <summary>The OBS-shaped offer of the WHIP tests (session-level ICE, H.264 and Opus).</summary>
internal static class Offers
{
    /// <summary>The OBS Studio 30 offer shape of the WHIP API tests.</summary>
    public const string Obs = WhipApiTests.ObsOffer;
}
