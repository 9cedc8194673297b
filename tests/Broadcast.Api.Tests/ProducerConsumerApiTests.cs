using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class ProducerConsumerApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task An_H264_producer_with_rtx_is_mapped_to_the_routers_payload_types()
    {
        var (router, transport) = await RouterWithTransportAsync("pc-map");

        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(1111, "pc-map-video", payloadType: 125, rtxPayloadType: 107));

        Assert.Equal("pc-map-video", producer.Id());
        Assert.Equal("video", producer.GetProperty("kind").GetString());
        Assert.Equal("simple", producer.GetProperty("type").GetString());
        Assert.False(producer.GetProperty("paused").GetBoolean());
        var mapping = producer.GetProperty("rtpMapping");
        var codecs = mapping.GetProperty("codecs").EnumerateArray()
            .ToDictionary(c => c.GetProperty("payloadType").GetInt32(), c => c.GetProperty("mappedPayloadType").GetInt32());
        Assert.Equal(ProducerBodies.RouterPayloadType(router, "video/H264"), codecs[125]);
        Assert.Equal(RouterRtxPayloadType(router, codecs[125]), codecs[107]);
        var encoding = Assert.Single(mapping.GetProperty("encodings").EnumerateArray());
        Assert.Equal(1111u, encoding.GetProperty("ssrc").GetUInt32());
        Assert.NotEqual(1111u, encoding.GetProperty("mappedSsrc").GetUInt32());
        // The sender's own parameters are kept as given.
        Assert.Equal(125, producer.GetProperty("rtpParameters").GetProperty("codecs")[0].GetProperty("payloadType").GetInt32());
        var stats = producer.GetProperty("stats");
        Assert.Empty(stats.GetProperty("streams").EnumerateArray());
        Assert.Equal(0, stats.GetProperty("drops").GetProperty("unknownPayloadType").GetInt64());
    }

    [Theory]
    [InlineData("""{ "mimeType": "video/AV1", "payloadType": 96, "clockRate": 90000 }""", "video/AV1")]
    [InlineData("""{ "mimeType": "video/H264", "payloadType": 96, "clockRate": 90000, "parameters": { "packetization-mode": 0, "profile-level-id": "42e01f" } }""", "packetization-mode 0")]
    [InlineData("""{ "mimeType": "video/H264", "payloadType": 96, "clockRate": 90000, "parameters": { "packetization-mode": 1, "profile-level-id": "640032" } }""", "640032")]
    public async Task A_producer_with_a_codec_the_router_lacks_is_a_400_naming_the_codec(string codec, string named)
    {
        var (_, transport) = await RouterWithTransportAsync();

        var detail = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/producer",
                $$"""{ "kind": "video", "rtpParameters": { "codecs": [ {{codec}} ], "encodings": [ { "ssrc": 2222 } ] } }""")
            .ExpectFieldProblemAsync("rtpParameters.codecs[0]");

        Assert.Contains(named, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_producer_with_the_same_ssrc_on_a_transport_is_a_409_conflict()
    {
        var (_, transport) = await RouterWithTransportAsync();
        await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(3333));

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/producer", ProducerBodies.H264WithRtx(3333))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Producer_pause_and_resume_are_reported_by_the_producer_and_its_consumers()
    {
        var (router, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(4444));
        var consumer = await _client.CreateConsumerAsync(transport, ProducerBodies.Consumer(producer.Id(), router.GetProperty("rtpCapabilities")));

        var paused = await _client.PostAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}/pause", null).ExpectAsync(HttpStatusCode.OK);
        var consumerWhilePaused = await _client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}").ExpectAsync(HttpStatusCode.OK);
        var resumed = await _client.PostAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}/resume", null).ExpectAsync(HttpStatusCode.OK);

        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.True(consumerWhilePaused.GetProperty("producerPaused").GetBoolean());
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        await _client.PostAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}/request-key-frame", null).ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_consumer_sends_with_its_own_ssrc_and_the_routers_payload_type()
    {
        var (router, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(5555));

        var consumer = await _client.CreateConsumerAsync(transport,
            ProducerBodies.Consumer(producer.Id(), router.GetProperty("rtpCapabilities"), paused: true, consumerId: "pc-consumer"));

        Assert.Equal("pc-consumer", consumer.Id());
        Assert.Equal(producer.Id(), consumer.GetProperty("producerId").GetString());
        Assert.Equal("video", consumer.GetProperty("kind").GetString());
        Assert.Equal("simple", consumer.GetProperty("type").GetString());
        Assert.True(consumer.GetProperty("paused").GetBoolean());
        Assert.False(consumer.GetProperty("producerPaused").GetBoolean());
        var parameters = consumer.GetProperty("rtpParameters");
        Assert.Equal(ProducerBodies.RouterPayloadType(router, "video/H264"), parameters.GetProperty("codecs")[0].GetProperty("payloadType").GetInt32());
        var ssrc = parameters.GetProperty("encodings")[0].GetProperty("ssrc").GetUInt32();
        Assert.NotEqual(5555u, ssrc);
        Assert.Equal(0, consumer.GetProperty("stats").GetProperty("packets").GetInt64());
        Assert.Equal(0, consumer.GetProperty("stats").GetProperty("droppedNotSent").GetInt64());
        var read = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transport}").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(read.GetProperty("consumerIds").EnumerateArray(), id => id.GetString() == "pc-consumer");
    }

    [Fact]
    public async Task Consumer_pause_resume_and_key_frame_requests_work_through_the_api()
    {
        var (router, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(6666));
        var consumer = await _client.CreateConsumerAsync(transport, ProducerBodies.Consumer(producer.Id(), router.GetProperty("rtpCapabilities")));
        var path = $"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}";

        Assert.False(consumer.GetProperty("paused").GetBoolean());
        Assert.True((await _client.PostAsync($"{path}/pause", null).ExpectAsync(HttpStatusCode.OK)).GetProperty("paused").GetBoolean());
        Assert.True((await _client.GetAsync(path).ExpectAsync(HttpStatusCode.OK)).GetProperty("paused").GetBoolean());
        Assert.False((await _client.PostAsync($"{path}/resume", null).ExpectAsync(HttpStatusCode.OK)).GetProperty("paused").GetBoolean());
        await _client.PostAsync($"{path}/request-key-frame", null).ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Deleting_a_producer_closes_its_consumers()
    {
        var (router, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(7777));
        var consumer = await _client.CreateConsumerAsync(transport, ProducerBodies.Consumer(producer.Id(), router.GetProperty("rtpCapabilities")));

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteConsumer_removes_only_the_consumer()
    {
        var (router, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(8888));
        var consumer = await _client.CreateConsumerAsync(transport, ProducerBodies.Consumer(producer.Id(), router.GetProperty("rtpCapabilities")));

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"{ApiCalls.Mediasoup}/producer/{producer.Id()}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_consumer_whose_capabilities_lack_the_producers_codec_is_a_400()
    {
        var (_, transport) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(transport, ProducerBodies.H264WithRtx(9999));
        var opusOnly = JsonDocument.Parse("""
            { "codecs": [ { "kind": "audio", "mimeType": "audio/opus", "preferredPayloadType": 104, "clockRate": 48000, "channels": 2 } ] }
            """).RootElement;

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/consumer", ProducerBodies.Consumer(producer.Id(), opusOnly))
            .ExpectFieldProblemAsync("rtpCapabilities.codecs");
    }

    [Fact]
    public async Task A_consumer_without_producerId_is_a_400_naming_producerId()
    {
        var (_, transport) = await RouterWithTransportAsync();

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport}/consumer", """{ "rtpCapabilities": { "codecs": [] } }""")
            .ExpectFieldProblemAsync("producerId");
    }

    [Fact]
    public async Task A_consumer_on_a_webrtc_transport_has_mediasoups_shape_with_a_mid_rtx_on_its_own_ssrc_and_the_routers_ids()
    {
        var (router, plain) = await RouterWithTransportAsync();
        var producer = await _client.CreateProducerAsync(plain, ProducerBodies.H264WithRtx(7777));
        var webRtc = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/{router.Id()}/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);
        var capabilities = router.GetProperty("rtpCapabilities");

        var first = await _client.CreateConsumerAsync(webRtc.Id(), ProducerBodies.Consumer(producer.Id(), capabilities));
        var second = await _client.CreateConsumerAsync(webRtc.Id(), ProducerBodies.Consumer(producer.Id(), capabilities));

        var parameters = first.GetProperty("rtpParameters");
        Assert.Equal("0", parameters.GetProperty("mid").GetString());
        Assert.Equal("1", second.GetProperty("rtpParameters").GetProperty("mid").GetString());
        Assert.Equal(producer.Id(), first.GetProperty("producerId").GetString());
        Assert.Equal("video", first.GetProperty("kind").GetString());
        Assert.Equal("simple", first.GetProperty("type").GetString());
        var codecs = parameters.GetProperty("codecs").EnumerateArray().ToList();
        Assert.Equal(2, codecs.Count);
        var media = codecs[0].GetProperty("payloadType").GetInt32();
        Assert.Equal(RouterRtxPayloadType(router, media), codecs[1].GetProperty("payloadType").GetInt32());
        var encoding = Assert.Single(parameters.GetProperty("encodings").EnumerateArray());
        Assert.Equal(encoding.GetProperty("ssrc").GetUInt32() + 1, encoding.GetProperty("rtx").GetProperty("ssrc").GetUInt32());
        Assert.True(parameters.GetProperty("rtcp").GetProperty("reducedSize").GetBoolean());
        var routerIds = capabilities.GetProperty("headerExtensions").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "video")
            .ToDictionary(e => e.GetProperty("uri").GetString()!, e => e.GetProperty("preferredId").GetInt32());
        Assert.All(parameters.GetProperty("headerExtensions").EnumerateArray(),
            e => Assert.Equal(routerIds[e.GetProperty("uri").GetString()!], e.GetProperty("id").GetInt32()));
        var read = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{webRtc.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, read.GetProperty("consumerIds").GetArrayLength());
    }

    private async Task<(JsonElement Router, string TransportId)> RouterWithTransportAsync(string? routerId = null)
    {
        var router = await _client.CreateRouterAsync(routerId);
        var transport = await _client.CreatePlainTransportAsync(router.Id(), """{ "comedia": true }""");
        return (router, transport.Id());
    }

    private static int RouterRtxPayloadType(JsonElement router, int mediaPayloadType) =>
        router.GetProperty("rtpCapabilities").GetProperty("codecs").EnumerateArray()
            .First(c => c.GetProperty("mimeType").GetString() == "video/rtx"
                && c.GetProperty("parameters").GetProperty("apt").GetInt32() == mediaPayloadType)
            .GetProperty("preferredPayloadType").GetInt32();
}
