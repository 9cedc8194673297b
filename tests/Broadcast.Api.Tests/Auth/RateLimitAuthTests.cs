using System.Net;
using Broadcast.Api.Security;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>A host with small limits: 5 API requests a second and 2 WHIP offers a minute per client address.</summary>
public sealed class RateLimitedHost : IAsyncLifetime
{
    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
    {
        ["Api:RateLimit:RequestsPerSecond"] = "5",
        ["Api:RateLimit:WhipPerMinute"] = "2",
        ["Api:RateLimit:WhepPerMinute"] = "1",
    });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class RateLimitAuthTests(RateLimitedHost fixture) : IClassFixture<RateLimitedHost>
{
    private readonly HttpClient _client = fixture.Host.Client;

    [Fact]
    public async Task Past_the_API_limit_a_client_gets_429_with_Retry_After_and_a_problem()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 200 && limited is null; i++) // six in one second, however slow the machine
        {
            var response = await _client.GetAsync("api/v1/channels");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 5, string.Join(",", statuses));
            Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            var problem = await limited.ReadJsonAsync();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Contains("Api:RateLimit:RequestsPerSecond", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WHIP_offers_have_their_own_stricter_limit()
    {
        using var first = await _client.PostOfferAsync("limited-1", Offers.Obs);
        using var second = await _client.PostOfferAsync("limited-2", Offers.Obs);
        using var third = await _client.PostOfferAsync("limited-3", Offers.Obs);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Contains("WhipPerMinute", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WHEP_offers_have_their_own_limit()
    {
        using var first = await _client.PostAsync("/whep/limited-whep", new StringContent("v=0", System.Text.Encoding.UTF8, "application/sdp"));
        using var second = await _client.PostAsync("/whep/limited-whep", new StringContent("v=0", System.Text.Encoding.UTF8, "application/sdp"));

        Assert.NotEqual(HttpStatusCode.TooManyRequests, first.StatusCode); // a 404: no such channel, but counted
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Contains("WhepPerMinute", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_HLS_are_not_rate_limited()
    {
        for (var i = 0; i < 40; i++)
        {
            using var health = await _client.GetAsync("healthz");
            using var hls = await _client.GetAsync("hls/nothing/index.m3u8");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, hls.StatusCode);
        }
    }

    [Fact]
    public async Task Invalid_limits_stop_the_start_with_every_error()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimit:RequestsPerSecond"] = "-1",
            ["Api:RateLimit:WhipPerMinute"] = "-5",
            ["Api:RateLimit:WhepPerMinute"] = "-7",
        }));

        var message = error.ToString();
        Assert.Contains("Api:RateLimit:RequestsPerSecond", message, StringComparison.Ordinal);
        Assert.Contains("Api:RateLimit:WhipPerMinute", message, StringComparison.Ordinal);
        Assert.Contains("Api:RateLimit:WhepPerMinute", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_limits_are_generous()
    {
        var defaults = new RateLimitOptions();

        Assert.Equal(200, defaults.RequestsPerSecond);
        Assert.Equal(30, defaults.WhipPerMinute);
        Assert.Equal(120, defaults.WhepPerMinute);
    }
}
