using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class SwaggerTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const string Mediasoup = "/api/v1/mediasoup";

    public static TheoryData<string, string> Routes => new()
    {
        { "post", $"{Mediasoup}/router" },
        { "get", $"{Mediasoup}/router" },
        { "get", $"{Mediasoup}/router/{{id}}" },
        { "delete", $"{Mediasoup}/router/{{id}}" },
        { "post", $"{Mediasoup}/router/{{id}}/webrtc-transport" },
        { "post", $"{Mediasoup}/router/{{id}}/rtp-transport" },
        { "get", $"{Mediasoup}/transport/{{id}}" },
        { "post", $"{Mediasoup}/transport/{{id}}/connect" },
        { "delete", $"{Mediasoup}/transport/{{id}}" },
        { "post", $"{Mediasoup}/transport/{{id}}/restart-ice" },
        { "post", $"{Mediasoup}/transport/{{id}}/producer" },
        { "get", $"{Mediasoup}/producer/{{id}}" },
        { "delete", $"{Mediasoup}/producer/{{id}}" },
        { "post", $"{Mediasoup}/producer/{{id}}/pause" },
        { "post", $"{Mediasoup}/producer/{{id}}/resume" },
        { "post", $"{Mediasoup}/producer/{{id}}/request-key-frame" },
        { "post", $"{Mediasoup}/transport/{{id}}/consumer" },
        { "get", $"{Mediasoup}/consumer/{{id}}" },
        { "delete", $"{Mediasoup}/consumer/{{id}}" },
        { "post", $"{Mediasoup}/consumer/{{id}}/pause" },
        { "post", $"{Mediasoup}/consumer/{{id}}/resume" },
        { "post", $"{Mediasoup}/consumer/{{id}}/request-key-frame" },
        { "post", "/api/v1/channels" },
        { "get", "/api/v1/channels" },
        { "get", "/api/v1/channels/{id}" },
        { "delete", "/api/v1/channels/{id}" },
        { "post", "/api/v1/channels/{id}/publish-token" },
        { "get", "/api/v1/channels/{id}/hls" },
        { "get", "/api/v1/jobs" },
        { "get", "/api/v1/jobs/{job}/runs" },
        { "post", "/api/v1/jobs/{job}/trigger" },
        { "get", "/api/v1/jobs/executions/{jobId}" },
        { "post", "/api/v1/channels/{id}/hls-url" },
        { "get", "/api/v1/stats" },
        { "get", "/api/v1/webrtc-config" },
        { "get", "/health" },
        { "get", "/stats" },
        { "get", "/api/health/webrtc" },
        { "get", "/api/webrtc/channels/{id}/stats" },
        { "get", "/api/v1/webhooks" },
        { "get", "/api/v1/channels/{id}/thumbnail.jpg" },
        { "put", "/api/v1/channels/{id}" },
        { "get", "/api/v1/webhooks/deliveries" },
        { "get", "/api/v1/webhooks/deliveries/{id}" },
        { "get", "/api/v1/appliances" },
        { "post", "/api/v1/appliances/{id}/drain" },
        { "delete", "/api/v1/appliances/{id}/drain" },
        { "get", "/healthz" },
        { "get", "/hls/{channelId}/{file}" },
        { "head", "/hls/{channelId}/{file}" },
        { "post", "/whip/{channelId}" },
        { "delete", "/whip/{channelId}/{sessionId}" },
        { "patch", "/whip/{channelId}/{sessionId}" },
        { "post", "/whep/{channelId}" },
        { "delete", "/whep/{channelId}/{sessionId}" },
        { "patch", "/whep/{channelId}/{sessionId}" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_openapi_document_lists_the_route_with_a_name_summary_and_tag(string method, string path)
    {
        var document = await DocumentAsync();

        Assert.True(document.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is missing");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()));
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        Assert.NotEmpty(operation.GetProperty("tags").EnumerateArray());
    }

    [Fact]
    public async Task The_openapi_document_lists_nothing_else()
    {
        var document = await DocumentAsync();

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (o.Name, p.Name)))
            .ToHashSet();
        Assert.Equal(Routes.Select(r => ((string)r[0], (string)r[1])).ToHashSet(), operations);
    }

    [Theory]
    [InlineData($"{Mediasoup}/router", "router_id")]
    [InlineData($"{Mediasoup}/router/{{id}}/rtp-transport", "comedia")]
    [InlineData($"{Mediasoup}/transport/{{id}}/connect", "port")]
    [InlineData($"{Mediasoup}/transport/{{id}}/producer", "rtpParameters")]
    [InlineData($"{Mediasoup}/transport/{{id}}/consumer", "rtpCapabilities")]
    [InlineData("/api/v1/channels", "rtsp")]
    [InlineData("/api/v1/channels/{id}/publish-token", "publishToken")]
    [InlineData("/api/v1/channels/{id}/hls-url", "ttlSeconds")]
    public async Task Every_request_body_has_a_json_example(string path, string exampleField)
    {
        var document = await DocumentAsync();

        var content = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content");
        var example = content.GetProperty("application/json").GetProperty("example");
        Assert.True(example.TryGetProperty(exampleField, out _));
    }

    [Fact]
    public async Task The_swagger_ui_is_served()
    {
        using var response = await host.Client.GetAsync("swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> DocumentAsync() =>
        await host.Client.GetAsync("swagger/v1/swagger.json").ExpectAsync(HttpStatusCode.OK);
}
