using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Broadcast.Api.Tests.Webhooks;

/// <summary>A webhook receiver on its own Kestrel (loopback): records every request, and answers 500 to the first
/// <see cref="FailFirst"/> attempts of each delivery, 200 afterwards.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app) => _app = app;

    public int FailFirst { get; init; }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app) { FailFirst = failFirst };
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var delivery = http.Request.Headers["X-Broadcast-Delivery"].ToString();
            var attempt = receiver._attempts.AddOrUpdate(delivery, 1, (_, n) => n + 1);
            receiver.Received.Enqueue(new ReceivedWebhook(body.ToArray(), http.Request.Headers["X-Broadcast-Signature"].ToString(),
                http.Request.Headers["X-Broadcast-Event"].ToString(), delivery, http.Request.ContentType, attempt, DateTimeOffset.UtcNow));
            return attempt <= receiver.FailFirst ? Results.StatusCode(500) : Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = new Uri(app.Urls.First().TrimEnd('/') + "/hook");
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>One request the receiver got.</summary>
internal sealed record ReceivedWebhook(byte[] Body, string Signature, string Event, string Delivery, string? ContentType, int Attempt,
    DateTimeOffset At);
