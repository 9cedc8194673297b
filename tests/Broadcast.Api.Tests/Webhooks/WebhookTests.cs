using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Broadcast.Api.Webhooks;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Webhooks;

/// <summary>Channel events posted to a real receiver: signed, retried after a failure, recorded in the delivery history.</summary>
public sealed class WebhookTests
{
    private const string Secret = "webhook-secret-of-the-tests";

    [Fact]
    public void A_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body()
    {
        var body = Encoding.UTF8.GetBytes("""{"type":"channel.created"}""");

        var header = WebhookSignature.Create(Secret, 1_764_720_000, body);

        // Computed outside .NET: printf '1764720000.{"type":"channel.created"}' | openssl dgst -sha256 -hmac '<secret>'
        Assert.Equal("t=1764720000,v1=a2653a47011def29601a81d1133398e668fd0f424d3f95aca315dae8163ddb8d", header);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_764_720_030);
        Assert.True(WebhookSignature.Verify(Secret, header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, header, Encoding.UTF8.GetBytes("""{"type":"channel.deleted"}"""), now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("another-secret-of-16+", header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, header, body, now.AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, "v1=00", body, now, TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData("Url", "ftp://example.com/hook", "Url must be an absolute http")]
    [InlineData("Url", "/relative", "Url must be an absolute http")]
    [InlineData("Secret", "short", "Secret must be at least 16")]
    [InlineData("Events", "channel.created, channel.renamed", "names 'channel.renamed'")]
    public void Wrong_endpoints_are_refused_with_the_key_named(string key, string value, string expected)
    {
        var endpoint = new WebhookEndpointOptions { Url = "https://example.com/hook", Secret = Secret };
        switch (key)
        {
            case "Url": endpoint.Url = value; break;
            case "Secret": endpoint.Secret = value; break;
            default: endpoint.Events = value; break;
        }

        var result = new WebhookOptionsValidator().Validate(null, new WebhookOptions { Endpoints = [endpoint] });

        Assert.True(result.Failed);
        Assert.Contains("Webhooks:Endpoints:0:" + key, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_event_is_posted_signed_retried_after_a_500_and_recorded_as_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        await using var host = await BroadcastHost.StartAsync(Endpoint(receiver, "*"));

        await host.Client.PostJsonAsync("api/v1/channels", """{ "channel_id": "hook-defined", "source": "rtp" }""").ExpectAsync(HttpStatusCode.Created);

        await WaitForAsync(() => receiver.Received.Count(r => r.Event == "channel.created") >= 2, "the retry after the 500");
        var attempts = receiver.Received.Where(r => r.Event == "channel.created").ToList();
        Assert.Equal([1, 2], attempts.Select(a => a.Attempt));
        Assert.Single(attempts.Select(a => a.Delivery).Distinct()); // one delivery, tried twice
        foreach (var attempt in attempts)
        {
            Assert.StartsWith("application/json", attempt.ContentType, StringComparison.Ordinal);
            AssertSigned(attempt);
        }

        var payload = Payload(attempts[0]);
        Assert.Equal("channel.created", payload.GetProperty("type").GetString());
        Assert.Equal("hook-defined", payload.GetProperty("channelId").GetString());
        Assert.Equal("rtp", payload.GetProperty("data").GetProperty("source").GetString());
        Assert.Equal(attempts[0].Delivery, payload.GetProperty("id").GetString());

        // The history says what happened once the second attempt is recorded.
        JsonElement delivery = default;
        await WaitForAsync(async () =>
        {
            delivery = await host.Client.GetAsync($"api/v1/webhooks/deliveries/{attempts[0].Delivery}").ExpectAsync(HttpStatusCode.OK);
            return delivery.GetProperty("state").GetString() == "delivered";
        }, "the delivery to be recorded as delivered");
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal("endpoint-0", delivery.GetProperty("endpoint").GetString());
        var listed = await host.Client.GetAsync("api/v1/webhooks/deliveries?channel=hook-defined").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(listed.EnumerateArray(), d => d.GetProperty("id").GetString() == attempts[0].Delivery);
        var endpoints = await host.Client.GetAsync("api/v1/webhooks").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(Secret, endpoints.ToString(), StringComparison.Ordinal);
        await host.Client.GetAsync("api/v1/webhooks/deliveries?count=0").ExpectFieldProblemAsync("count");
        await host.Client.GetAsync("api/v1/webhooks/deliveries/nope").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Publishers_cameras_FFmpeg_and_deletions_raise_their_events_and_an_endpoint_gets_only_what_it_asked_for()
    {
        await using var everything = await WebhookReceiver.StartAsync();
        await using var publishersOnly = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string?>(Endpoint(everything, "*"))
        {
            ["Webhooks:Endpoints:1:Name"] = "publishers",
            ["Webhooks:Endpoints:1:Url"] = publishersOnly.Url.ToString(),
            ["Webhooks:Endpoints:1:Secret"] = Secret,
            ["Webhooks:Endpoints:1:Events"] = "publisher.connected, publisher.gone",
        };
        await using var host = await BroadcastHost.StartAsync(settings);

        using (await LivePlainRtpChannel.StartAsync(host, "hook-live"))
        {
            await WaitForAsync(() => Has(everything, "publisher.connected", "hook-live"), "publisher.connected");

            // FFmpeg killed: the supervisor starts it again and says so.
            var hls = await host.Client.GetAsync("api/v1/channels/hook-live/hls").ExpectAsync(HttpStatusCode.OK);
            using (var ffmpeg = Process.GetProcessById(hls.GetProperty("processId").GetInt32()))
            {
                ffmpeg.Kill();
            }

            await WaitForAsync(() => Has(everything, "ffmpeg.restarted", "hook-live"), "ffmpeg.restarted");
            Assert.Equal("1", Payload(everything.Received.First(r => r.Event == "ffmpeg.restarted")).GetProperty("data").GetProperty("restarts").GetString());
        }

        // A camera nobody answers for: its state goes from connecting to unreachable.
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await host.Client.PostJsonAsync("api/v1/channels", $$"""{ "channel_id": "hook-camera", "rtsp": { "url": "rtsp://127.0.0.1:{{port}}/cam" } }""")
            .ExpectAsync(HttpStatusCode.Created);
        await WaitForAsync(() => Has(everything, "camera.state-changed", "hook-camera"), "camera.state-changed");
        var camera = Payload(everything.Received.First(r => r.Event == "camera.state-changed")).GetProperty("data");
        Assert.Equal("unreachable", camera.GetProperty("state").GetString());
        Assert.Equal("connecting", camera.GetProperty("previous").GetString());
        Assert.False(string.IsNullOrEmpty(camera.GetProperty("lastError").GetString()));

        using (var deleted = await host.Client.DeleteAsync("api/v1/mediasoup/router/hook-live"))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }

        using (var deleted = await host.Client.DeleteAsync("api/v1/channels/hook-camera"))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }

        await WaitForAsync(() => Has(everything, "publisher.gone", "hook-live") && Has(everything, "channel.deleted", "hook-camera"),
            "publisher.gone and channel.deleted");
        await WaitForAsync(() => Has(publishersOnly, "publisher.gone", "hook-live"), "publisher.gone at the second endpoint");

        Assert.All(everything.Received.Concat(publishersOnly.Received), AssertSigned);
        Assert.Equal(["publisher.connected", "publisher.gone"], publishersOnly.Received.Select(r => r.Event).Distinct().Order());
        // The camera's own producers are not a publisher's.
        Assert.DoesNotContain(everything.Received, r => r.Event.StartsWith("publisher.", StringComparison.Ordinal)
            && Payload(r).GetProperty("channelId").GetString() == "hook-camera");
    }

    [Fact]
    public async Task The_sample_receiver_accepts_what_the_appliance_signs_and_refuses_a_wrong_secret()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Samples", "webhook-receiver.py");
        var startInfo = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])[script, "--port", "0", "--secret", Secret])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var sample = Process.Start(startInfo)!;
        try
        {
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            sample.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lines.Enqueue(line);
                    if (line.Contains("\"listening\"", StringComparison.Ordinal))
                    {
                        listening.TrySetResult(JsonDocument.Parse(line).RootElement.GetProperty("listening").GetString()!);
                    }
                }
            };
            sample.BeginOutputReadLine();
            var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
            {
                ["Webhooks:Endpoints:0:Url"] = url,
                ["Webhooks:Endpoints:0:Secret"] = Secret,
                ["Webhooks:Endpoints:1:Name"] = "wrong-secret",
                ["Webhooks:Endpoints:1:Url"] = url,
                ["Webhooks:Endpoints:1:Secret"] = "not-the-receivers-secret",
            });

            await host.Client.PostJsonAsync("api/v1/channels", """{ "channel_id": "hook-sample", "source": "webrtc" }""").ExpectAsync(HttpStatusCode.Created);

            await WaitForAsync(() => lines.Any(l => l.Contains("\"verified\": true", StringComparison.Ordinal) && l.Contains("hook-sample", StringComparison.Ordinal)),
                "the sample to print the verified event");
            await WaitForAsync(async () =>
            {
                var deliveries = await host.Client.GetAsync("api/v1/webhooks/deliveries?channel=hook-sample").ExpectAsync(HttpStatusCode.OK);
                return deliveries.EnumerateArray().Any(d => d.GetProperty("endpoint").GetString() == "wrong-secret"
                    && d.GetProperty("lastStatusCode").ValueKind == JsonValueKind.Number && d.GetProperty("lastStatusCode").GetInt32() == 401);
            }, "the wrongly signed delivery to be refused with 401");
            Assert.Single(lines, l => l.Contains("hook-sample", StringComparison.Ordinal)); // the wrong one was not accepted
        }
        finally
        {
            sample.Kill();
            await sample.WaitForExitAsync();
        }
    }

    private static Dictionary<string, string?> Endpoint(WebhookReceiver receiver, string events) => new()
    {
        ["Webhooks:Endpoints:0:Url"] = receiver.Url.ToString(),
        ["Webhooks:Endpoints:0:Secret"] = Secret,
        ["Webhooks:Endpoints:0:Events"] = events,
        // Hangfire's scheduler looks for due retries this often.
        ["Jobs:PollInterval"] = "00:00:01",
    };

    private static bool Has(WebhookReceiver receiver, string type, string channel) =>
        receiver.Received.Any(r => r.Event == type && Payload(r).GetProperty("channelId").GetString() == channel);

    private static JsonElement Payload(ReceivedWebhook webhook)
    {
        using var document = JsonDocument.Parse(webhook.Body);
        return document.RootElement.Clone();
    }

    // Checked as a receiver would, with the HMAC computed here rather than by the appliance's own code.
    private static void AssertSigned(ReceivedWebhook webhook)
    {
        var parts = webhook.Signature.Split(',');
        Assert.Equal(2, parts.Length);
        Assert.StartsWith("t=", parts[0], StringComparison.Ordinal);
        var timestamp = parts[0][2..];
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(timestamp, CultureInfo.InvariantCulture), -60, 600);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + Encoding.UTF8.GetString(webhook.Body)));
        Assert.Equal("v1=" + Convert.ToHexStringLower(expected), parts[1]);
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what) =>
        Assert.True(await Eventually.TrueAsync(condition, TimeSpan.FromSeconds(60)), $"Timed out waiting for {what}.");
}
