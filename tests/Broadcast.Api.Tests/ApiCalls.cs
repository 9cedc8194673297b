using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Broadcast.Api.Tests;

/// <summary>Small helpers over the REST API, so that tests read as the calls they make.</summary>
internal static class ApiCalls
{
    public const string Mediasoup = "api/v1/mediasoup";

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Sends and asserts the status (with the body in the failure message), then returns the JSON body.</summary>
    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> request, HttpStatusCode status)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the status and returns it.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> request, HttpStatusCode status)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Asserts a 400 problem whose detail and errors map name <paramref name="field"/>; returns the detail.</summary>
    public static async Task<string> ExpectFieldProblemAsync(this Task<HttpResponseMessage> request, string field)
    {
        var problem = await request.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(field, errors);
        Assert.Contains(field, detail, StringComparison.Ordinal);
        return detail;
    }

    public static Task<JsonElement> CreateRouterAsync(this HttpClient client, string? id = null) =>
        client.PostJsonAsync($"{Mediasoup}/router", id is null ? "{}" : $$"""{ "router_id": "{{id}}" }""").ExpectAsync(HttpStatusCode.Created);

    public static Task<JsonElement> CreatePlainTransportAsync(this HttpClient client, string routerId, string json = "{}") =>
        client.PostJsonAsync($"{Mediasoup}/router/{routerId}/rtp-transport", json).ExpectAsync(HttpStatusCode.Created);

    public static Task<JsonElement> CreateProducerAsync(this HttpClient client, string transportId, string json) =>
        client.PostJsonAsync($"{Mediasoup}/transport/{transportId}/producer", json).ExpectAsync(HttpStatusCode.Created);

    public static Task<JsonElement> CreateConsumerAsync(this HttpClient client, string transportId, string json) =>
        client.PostJsonAsync($"{Mediasoup}/transport/{transportId}/consumer", json).ExpectAsync(HttpStatusCode.Created);

    public static string Id(this JsonElement json) => json.GetProperty("id").GetString()!;

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body, string? contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        return client.PostAsync(path, content);
    }
}

/// <summary>Producer parameters as FFmpeg or Chrome send them: their own payload types, not the router's.</summary>
internal static class ProducerBodies
{
    public static string H264WithRtx(uint ssrc, string? producerId = null, int payloadType = 102, int rtxPayloadType = 103) => $$"""
        {
          {{(producerId is null ? "" : $"\"producer_id\": \"{producerId}\",")}}
          "kind": "video",
          "rtpParameters": {
            "codecs": [
              { "mimeType": "video/H264", "payloadType": {{payloadType}}, "clockRate": 90000,
                "parameters": { "level-asymmetry-allowed": 1, "packetization-mode": 1, "profile-level-id": "42e01f" },
                "rtcpFeedback": [ { "type": "nack" }, { "type": "nack", "parameter": "pli" }, { "type": "ccm", "parameter": "fir" } ] },
              { "mimeType": "video/rtx", "payloadType": {{rtxPayloadType}}, "clockRate": 90000, "parameters": { "apt": {{payloadType}} } }
            ],
            "encodings": [ { "ssrc": {{ssrc}}, "rtx": { "ssrc": {{ssrc + 1}} } } ],
            "rtcp": { "cname": "test" }
          }
        }
        """;

    public static string Opus(uint ssrc) => $$"""
        {
          "kind": "audio",
          "rtpParameters": {
            "codecs": [ { "mimeType": "audio/opus", "payloadType": 111, "clockRate": 48000, "channels": 2 } ],
            "encodings": [ { "ssrc": {{ssrc}} } ],
            "rtcp": { "cname": "test" }
          }
        }
        """;

    /// <summary>The router's own capabilities (from GET router) as a consumer body.</summary>
    public static string Consumer(string producerId, JsonElement routerRtpCapabilities, bool paused = false, string? consumerId = null) => $$"""
        {
          {{(consumerId is null ? "" : $"\"consumer_id\": \"{consumerId}\",")}}
          "producerId": "{{producerId}}",
          "rtpCapabilities": {{routerRtpCapabilities.GetRawText()}},
          "paused": {{(paused ? "true" : "false")}}
        }
        """;

    public static int RouterPayloadType(JsonElement router, string mimeType) =>
        router.GetProperty("rtpCapabilities").GetProperty("codecs").EnumerateArray()
            .First(c => string.Equals(c.GetProperty("mimeType").GetString(), mimeType, StringComparison.OrdinalIgnoreCase))
            .GetProperty("preferredPayloadType").GetInt32();
}
