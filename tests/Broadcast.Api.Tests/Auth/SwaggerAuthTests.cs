using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>The OpenAPI document describes both credentials, so that Swagger UI's "Authorize" sends them.</summary>
public sealed class SwaggerAuthTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    [Fact]
    public async Task The_document_defines_a_bearer_scheme_and_an_X_Api_Key_scheme()
    {
        var schemes = (await DocumentAsync()).GetProperty("components").GetProperty("securitySchemes");

        var bearer = schemes.GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        var apiKey = schemes.GetProperty("ApiKey");
        Assert.Equal("apiKey", apiKey.GetProperty("type").GetString());
        Assert.Equal("header", apiKey.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", apiKey.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("get", "/api/v1/mediasoup/router")]
    [InlineData("delete", "/api/v1/mediasoup/router/{id}")]
    [InlineData("post", "/api/v1/mediasoup/router/{id}/rtp-transport")]
    [InlineData("post", "/api/v1/mediasoup/transport/{id}/producer")]
    [InlineData("get", "/api/v1/channels")]
    [InlineData("post", "/api/v1/channels/{id}/hls-url")]
    [InlineData("get", "/api/v1/stats")]
    [InlineData("post", "/whip/{channelId}")]
    [InlineData("delete", "/whip/{channelId}/{sessionId}")]
    public async Task A_protected_operation_requires_either_scheme_and_documents_401_and_403(string method, string path)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);

        var alternatives = operation.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Single().Name).ToList();
        Assert.Equal(["Bearer", "ApiKey"], alternatives);
        Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(operation.GetProperty("responses").TryGetProperty("403", out _));
    }

    [Theory]
    [InlineData("get", "/healthz")]
    [InlineData("get", "/hls/{channelId}/{file}")]
    [InlineData("patch", "/whip/{channelId}/{sessionId}")]
    public async Task A_public_operation_requires_nothing(string method, string path)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);

        Assert.False(operation.TryGetProperty("security", out _));
    }

    private async Task<JsonElement> DocumentAsync() =>
        await host.Client.GetAsync("swagger/v1/swagger.json").ExpectAsync(HttpStatusCode.OK);
}
