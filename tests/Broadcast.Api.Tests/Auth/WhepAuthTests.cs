using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>A secured host (admin JWT and API keys, a known HLS signing key) with a live signed channel and a live public one.</summary>
public sealed class WhepAuthHost : IAsyncLifetime
{
    public const string Signed = "whep-sealed";
    public const string Public = "whep-open";

    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Api:HlsSigningKey", SignedHlsHost.SigningKey)));
        await _host.DefineChannelAsync(Signed, withToken: false, signedHls: true);
        await _host.DefineChannelAsync(Public, withToken: false);
        foreach (var channel in new[] { Signed, Public })
        {
            // Live: a plain RTP producer, created by an admin (the transport starts the defined channel's router).
            var plain = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{channel}/rtp-transport",
                Credential.AdminApiKey, """{ "comedia": true }""").ExpectAsync(HttpStatusCode.Created);
            await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{plain.Id()}/producer", Credential.AdminApiKey,
                ProducerBodies.H264WithRtx(5150)).ExpectAsync(HttpStatusCode.Created);
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>WHEP follows the channel's HLS rule: open, or the channel's signed query, or a presented admin credential.</summary>
public sealed class WhepAuthTests(WhepAuthHost fixture) : IClassFixture<WhepAuthHost>
{
    private const string Signed = WhepAuthHost.Signed;
    private readonly HttpClient _client = fixture.Host.Client;

    [Theory]
    [InlineData(Credential.None, HttpStatusCode.Forbidden)]
    [InlineData(Credential.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData(Credential.ExpiredJwt, HttpStatusCode.Forbidden)]
    [InlineData(Credential.WrongApiKey, HttpStatusCode.Forbidden)]
    [InlineData(Credential.AdminJwt, HttpStatusCode.Created)]
    [InlineData(Credential.AdminApiKey, HttpStatusCode.Created)]
    public async Task A_signed_channel_admits_an_admin_credential_without_a_signed_query(Credential credential, HttpStatusCode expected)
    {
        using var response = await PlayAsync(Signed, credential);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Contains("hls-url", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await EndAsync(response);
    }

    [Fact]
    public async Task A_signed_channel_admits_its_own_unexpired_signature_and_nothing_else()
    {
        var future = SignedHlsHost.InAnHour;
        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();

        using var valid = await PlayAsync($"{Signed}?{SignedHlsHost.Query(Signed, future)}");
        using var expired = await PlayAsync($"{Signed}?{SignedHlsHost.Query(Signed, past)}");
        using var otherChannels = await PlayAsync($"{Signed}?{SignedHlsHost.Query(WhepAuthHost.Public, future)}");
        using var tampered = await PlayAsync($"{Signed}?{SignedHlsHost.Query(Signed, future + 1)[..^2]}xx");

        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, otherChannels.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        await EndAsync(valid);
    }

    [Fact]
    public async Task A_public_channel_admits_anyone_and_ignores_a_wrong_signature()
    {
        using var anyone = await PlayAsync(WhepAuthHost.Public);
        using var wrong = await PlayAsync($"{WhepAuthHost.Public}?expires=1&sig=bogus");

        Assert.Equal(HttpStatusCode.Created, anyone.StatusCode);
        Assert.Equal(HttpStatusCode.Created, wrong.StatusCode);
        await EndAsync(anyone);
        await EndAsync(wrong);
    }

    private Task<HttpResponseMessage> PlayAsync(string channelAndQuery, Credential credential = Credential.None)
    {
        var content = new StringContent(WhepApiTests.ChromeOffer.ReplaceLineEndings("\r\n"), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        return _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"whep/{channelAndQuery}") { Content = content }.With(credential));
    }

    // A session that no browser connects closes itself at the connect timeout; end it now instead.
    private async Task EndAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Created)
        {
            using var ended = await _client.DeleteAsync(response.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        }
    }
}
