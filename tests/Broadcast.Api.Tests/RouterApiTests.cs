using System.Net;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class RouterApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task CreateRouter_with_an_id_returns_201_with_the_router_and_its_location()
    {
        using var response = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router", """{ "router_id": "cam-create" }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/mediasoup/router/cam-create", response.Headers.Location?.OriginalString);
        var router = await response.ReadJsonAsync();
        Assert.Equal("cam-create", router.Id());
        Assert.InRange(router.GetProperty("workerIndex").GetInt32(), 0, 1);
        Assert.True(router.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Empty(router.GetProperty("transportIds").EnumerateArray());
        Assert.Empty(router.GetProperty("producerIds").EnumerateArray());
        var codecs = router.GetProperty("rtpCapabilities").GetProperty("codecs").EnumerateArray().ToList();
        Assert.Contains(codecs, c => c.GetProperty("mimeType").GetString() == "video/H264");
        Assert.Contains(codecs, c => c.GetProperty("mimeType").GetString() == "audio/opus" && c.GetProperty("channels").GetInt32() == 2);
    }

    [Fact]
    public async Task CreateRouter_without_a_body_gets_a_generated_id()
    {
        using var response = await _client.PostAsync($"{ApiCalls.Mediasoup}/router", content: null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(Guid.TryParse((await response.ReadJsonAsync()).Id(), out _));
    }

    [Fact]
    public async Task A_created_router_is_listed_and_can_be_read_back()
    {
        await _client.CreateRouterAsync("cam-list");

        var list = await _client.GetAsync($"{ApiCalls.Mediasoup}/router").ExpectAsync(HttpStatusCode.OK);
        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-list").ExpectAsync(HttpStatusCode.OK);

        Assert.Contains(list.EnumerateArray(), r => r.Id() == "cam-list");
        Assert.Equal("cam-list", router.Id());
        Assert.True(router.GetProperty("rtpCapabilities").GetProperty("headerExtensions").GetArrayLength() > 0);
    }

    [Fact]
    public async Task The_router_lists_its_transport_and_producer_ids()
    {
        await _client.CreateRouterAsync("cam-ids");
        var transport = await _client.CreatePlainTransportAsync("cam-ids", """{ "transport_id": "cam-ids-in", "comedia": true }""");
        await _client.CreateProducerAsync(transport.Id(), ProducerBodies.H264WithRtx(5000, "cam-ids-video"));

        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-ids").ExpectAsync(HttpStatusCode.OK);

        // The channel's HLS pipeline adds a transport of its own once the producer is there, sooner or later.
        Assert.Contains("cam-ids-in", router.GetProperty("transportIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["cam-ids-video"], router.GetProperty("producerIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task DeleteRouter_removes_it_and_a_second_delete_is_404()
    {
        await _client.CreateRouterAsync("cam-delete");

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/router/cam-delete").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/router/cam-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
        var list = await _client.GetAsync($"{ApiCalls.Mediasoup}/router").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.EnumerateArray(), r => r.Id() == "cam-delete");
    }

    [Fact]
    public async Task A_duplicate_router_id_is_a_409_conflict()
    {
        await _client.CreateRouterAsync("cam-twice");

        var problem = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router", """{ "router_id": "cam-twice" }""")
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("cam-twice", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_reused_by_another_kind_of_object_is_a_409_conflict()
    {
        await _client.CreateRouterAsync("shared-id");

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/shared-id/rtp-transport", """{ "transport_id": "shared-id" }""")
            .ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("")]
    public async Task A_router_id_with_forbidden_characters_is_a_400_naming_router_id(string id)
    {
        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router", $$"""{ "router_id": "{{id}}" }""").ExpectFieldProblemAsync("router_id");
    }

    [Theory]
    [InlineData("GET", "router/nope")]
    [InlineData("DELETE", "router/nope")]
    [InlineData("POST", "router/nope/rtp-transport")]
    [InlineData("POST", "router/nope/webrtc-transport")]
    [InlineData("GET", "transport/nope")]
    [InlineData("DELETE", "transport/nope")]
    [InlineData("POST", "transport/nope/connect")]
    [InlineData("POST", "transport/nope/producer")]
    [InlineData("POST", "transport/nope/consumer")]
    [InlineData("GET", "producer/nope")]
    [InlineData("DELETE", "producer/nope")]
    [InlineData("POST", "producer/nope/pause")]
    [InlineData("POST", "producer/nope/resume")]
    [InlineData("POST", "producer/nope/request-key-frame")]
    [InlineData("GET", "consumer/nope")]
    [InlineData("DELETE", "consumer/nope")]
    [InlineData("POST", "consumer/nope/pause")]
    [InlineData("POST", "consumer/nope/resume")]
    [InlineData("POST", "consumer/nope/request-key-frame")]
    public async Task An_unknown_id_is_a_404_problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{ApiCalls.Mediasoup}/{path}");
        if (method == "POST")
        {
            request.Content = new StringContent("""{ "kind": "video", "producerId": "p", "rtpCapabilities": {} }""", System.Text.Encoding.UTF8, "application/json");
        }

        var problem = await _client.SendAsync(request).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("'nope'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        await _client.GetAsync("api/v1/no-such-thing").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
