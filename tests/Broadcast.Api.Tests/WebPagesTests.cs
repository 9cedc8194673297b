using System.Net;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class WebPagesTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Theory]
    [InlineData("viewer.html", "text/html")]
    [InlineData("viewer.js", "text/javascript")]
    [InlineData("vendor/hls.min.js", "text/javascript")]
    [InlineData("publisher.html", "text/html")]
    [InlineData("publisher.bundle.js", "text/javascript")]
    public async Task The_pages_and_their_scripts_are_served(string path, string contentType)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_root_redirects_to_the_viewer()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = _client.BaseAddress };

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/viewer.html", response.Headers.Location!.OriginalString);
    }
}
