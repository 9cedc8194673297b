using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests.Operators;

/// <summary>
/// TURN end to end: the appliance mints credentials from coturn's shared secret (GET /api/v1/webrtc-config), the
/// publisher page in headless Chromium is told to send through the TURN server only, and a real coturn accepts the
/// credentials and relays the browser's media to the appliance, on loopback.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class TurnRelayTests(ITestOutputHelper output)
{
    private const string Secret = "turn-secret-of-the-relay-test";

    private static readonly string[] FakeMedia =
    [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
    ];

    [Theory]
    [InlineData("whip")]
    [InlineData("mediasoup")]
    public async Task A_browser_publishes_through_coturn_with_minted_credentials(string mode)
    {
        using var turn = await CoturnServer.StartAsync(Secret);
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["IceServers:TurnUrls"] = $"turn:127.0.0.1:{turn.Port.ToString(CultureInfo.InvariantCulture)}?transport=udp",
            ["IceServers:TurnSecret"] = Secret,
        });
        var channel = $"turn-{mode}";
        await using var chromium = await HeadlessChromium.StartAsync(FakeMedia);
        await chromium.NavigateAsync(new Uri(host.BaseAddress, $"publisher.html?channel={channel}&codec=H264&mode={mode}&relay=1"));
        await E2EWait.ForAsync(async () => (await chromium.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");

        await chromium.EvaluateAsync("window.publish()");
        await E2EWait.ForAsync(async () =>
        {
            var state = (await chromium.EvaluateAsync("document.getElementById('state').textContent"))!.GetValue<string>();
            Assert.False(state.StartsWith("failed", StringComparison.Ordinal) || state == "connection failed", $"{state}\n{turn.Log}");
            return state == "connection connected";
        }, "ICE and DTLS to connect through the TURN server");

        // The appliance sees the browser at one of coturn's relay ports: the media came through the relay.
        var selected = await SelectedTupleAsync(host, channel);
        var port = IPEndPoint.Parse(selected).Port;
        Assert.InRange(port, turn.RelayPorts.Min, turn.RelayPorts.Max);
        // coturn accepted the minted username (<expiry>:broadcast) for the allocation.
        Assert.Contains(":broadcast>: incoming packet ALLOCATE processed, success", turn.Log, StringComparison.Ordinal);
        await E2EWait.ForAsync(() => Task.FromResult(Segments(Path.Combine(host.HlsRoot, channel, "index.m3u8")) >= 1), "an HLS segment of the relayed media");
        output.WriteLine($"{mode}: the appliance's selected tuple {selected}, coturn relay ports {turn.RelayPorts.Min}-{turn.RelayPorts.Max}");
    }

    private static async Task<string> SelectedTupleAsync(BroadcastHost host, string channel)
    {
        var router = (await host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/router/{channel}"))!;
        foreach (var id in router["transportIds"]!.AsArray())
        {
            var transport = (await host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{id}"))!;
            if (transport["iceSelectedTuple"]?.GetValue<string>() is { } tuple)
            {
                return tuple;
            }
        }

        throw new InvalidOperationException($"No WebRTC transport of {channel} has a selected tuple.");
    }

    private static int Segments(string playlist) =>
        File.Exists(playlist) ? File.ReadAllLines(playlist).Count(l => l.Length > 0 && !l.StartsWith('#')) : 0;
}
