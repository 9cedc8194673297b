using System.Net;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>Every bad body is a 400 problem whose detail and errors map name the field, never a generic binding message.</summary>
public sealed class RequestBodyTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const string H264 = """{ "mimeType": "video/H264", "payloadType": 102, "clockRate": 90000, "parameters": { "packetization-mode": 1, "profile-level-id": "42e01f" } }""";

    private readonly HttpClient _client = host.Client;

    public static TheoryData<string, string> BadProducerBodies => new()
    {
        { "not json", "$" },
        { """{ "kind": "video", """, "$" },
        { "[1, 2]", "$" },
        { """{ "rtpParameters": { "codecs": [ """ + H264 + """ ], "encodings": [ { "ssrc": 1 } ] } }""", "kind" },
        { """{ "kind": "data", "rtpParameters": { "codecs": [ """ + H264 + """ ] } }""", "kind" },
        { """{ "kind": 5 }""", "kind" },
        { """{ "kind": "video" }""", "rtpParameters" },
        { """{ "kind": "video", "rtpParameters": [] }""", "rtpParameters" },
        { """{ "kind": "video", "rtpParameters": { "codecs": null } }""", "rtpParameters.codecs" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ null ] } }""", "rtpParameters.codecs[0]" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/H264", "payloadType": 102, "clockRate": "90000" } ] } }""", "rtpParameters.codecs[0].clockRate" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/H264", "payloadType": 102 } ] } }""", "rtpParameters.codecs[0].clockRate" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/H264", "payloadType": 300, "clockRate": 90000 } ] } }""", "rtpParameters.codecs[0].payloadType" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/H264", "payloadType": 102, "clockRate": 90000, "parameters": { "x": true } } ] } }""", "rtpParameters.codecs[0].parameters" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ """ + H264 + """, { "mimeType": "video/rtx", "payloadType": 103, "clockRate": 90000 } ], "encodings": [ { "ssrc": 1 } ] } }""", "rtpParameters.codecs[1].parameters.apt" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ """ + H264 + """ ], "encodings": [ { "ssrc": -1 } ] } }""", "rtpParameters.encodings[0].ssrc" },
        { """{ "kind": "video", "rtpParameters": { "codecs": [ """ + H264 + """ ], "encodings": [ { } ] } }""", "rtpParameters.encodings" },
        { """{ "kind": "video", "paused": "yes", "rtpParameters": { "codecs": [ """ + H264 + """ ] } }""", "paused" },
        { """{ "producer_id": 7, "kind": "video" }""", "producer_id" },
    };

    [Theory]
    [MemberData(nameof(BadProducerBodies))]
    public async Task A_bad_producer_body_is_a_400_naming_the_field(string body, string field)
    {
        var transport = await NewTransportAsync();

        var detail = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/producer", body).ExpectFieldProblemAsync(field);

        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("router", """{ "router_id": 12 }""", "router_id")]
    [InlineData("router", "{ router_id: 'x' }", "$")]
    [InlineData("rtp-transport", """{ "rtcpMux": "yes" }""", "rtcpMux")]
    [InlineData("rtp-transport", """{ "comedia": 1 }""", "comedia")]
    [InlineData("rtp-transport", """{ "transport_id": ["a"] }""", "transport_id")]
    public async Task A_bad_router_or_transport_body_is_a_400_naming_the_field(string route, string body, string field)
    {
        var router = await _client.CreateRouterAsync();
        var path = route == "router" ? $"{ApiCalls.Mediasoup}/router" : $"{ApiCalls.Mediasoup}/router/{router.Id()}/{route}";

        await _client.PostJsonAsync(path, body).ExpectFieldProblemAsync(field);
    }

    [Theory]
    [InlineData("""{ "producerId": "p", "rtpCapabilities": { "codecs": [ { "kind": "video", "mimeType": "video/H264", "clockRate": 90000 } ] } }""", "rtpCapabilities.codecs[0].preferredPayloadType")]
    [InlineData("""{ "producerId": "p", "rtpCapabilities": { "codecs": [ { "kind": "video", "mimeType": "video/H264", "preferredPayloadType": "100", "clockRate": 90000 } ] } }""", "rtpCapabilities.codecs[0].preferredPayloadType")]
    [InlineData("""{ "producerId": "p", "rtpCapabilities": 3 }""", "rtpCapabilities")]
    [InlineData("""{ "producerId": "p" }""", "rtpCapabilities")]
    [InlineData("""{ "producerId": "p", "rtpCapabilities": { "codecs": [] }, "paused": 0 }""", "paused")]
    public async Task A_bad_consumer_body_is_a_400_naming_the_field(string body, string field)
    {
        var transport = await NewTransportAsync();

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/consumer", body).ExpectFieldProblemAsync(field);
    }

    [Fact]
    public async Task A_body_that_is_not_declared_as_json_is_a_415_problem()
    {
        await _client.PostRawAsync($"{ApiCalls.Mediasoup}/router", """{ "router_id": "plain-text" }""", "text/plain")
            .ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_json_null_body_means_every_default()
    {
        var router = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router", "null").ExpectAsync(HttpStatusCode.Created);

        Assert.True(Guid.TryParse(router.Id(), out _));
    }

    private async Task<string> NewTransportAsync()
    {
        var router = await _client.CreateRouterAsync();
        return (await _client.CreatePlainTransportAsync(router.Id(), """{ "comedia": true }""")).Id();
    }
}
