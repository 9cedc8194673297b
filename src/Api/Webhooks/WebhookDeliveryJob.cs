using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Webhooks;

/// <summary>
/// One attempt to deliver a webhook: POST the recorded payload, signed now, to the endpoint. A 2xx delivers it;
/// anything else records the attempt and throws, and Hangfire tries again after 1 s, 5 s, 30 s, 2 min, 10 min and 30 min.
/// </summary>
public sealed class WebhookDeliveryJob(IWebhookDeliveryStore store, IOptions<WebhookOptions> options, IHttpClientFactory clients, TimeProvider time,
    ILogger<WebhookDeliveryJob> logger)
{
    public const string HttpClientName = "webhooks";

    /// <summary>The first attempt and Hangfire's retries.</summary>
    public const int MaxAttempts = 7;

    [AutomaticRetry(Attempts = MaxAttempts - 1, DelaysInSeconds = [1, 5, 30, 120, 600, 1800], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task<string> DeliverAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await store.FindAsync(deliveryId, cancellationToken).ConfigureAwait(false);
        if (delivery is null || delivery.State is WebhookDeliveryStates.Delivered or WebhookDeliveryStates.Failed)
        {
            return "nothing to do"; // pruned, or settled by an attempt that ran twice
        }

        var settings = options.Value;
        var index = Enumerable.Range(0, settings.Endpoints.Count).FirstOrDefault(i => WebhookOptionsValidator.NameOf(settings, i) == delivery.Endpoint, -1);
        if (index < 0)
        {
            await store.RecordAttemptAsync(deliveryId, WebhookDeliveryStates.Failed, time.GetUtcNow(), null,
                $"The endpoint '{delivery.Endpoint}' is no longer configured.", cancellationToken).ConfigureAwait(false);
            return "endpoint gone";
        }

        var endpoint = settings.Endpoints[index];
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-Broadcast-Event", delivery.EventType);
        request.Headers.Add("X-Broadcast-Delivery", delivery.Id);
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(endpoint.Secret, time.GetUtcNow().ToUnixTimeSeconds(), body));

        int? status = null;
        string? error;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await store.RecordAttemptAsync(deliveryId, WebhookDeliveryStates.Delivered, time.GetUtcNow(), status, null, CancellationToken.None)
                    .ConfigureAwait(false);
                return string.Create(CultureInfo.InvariantCulture, $"delivered: {status}");
            }

            error = $"The receiver answered {status}.";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = e is OperationCanceledException ? $"No answer within {settings.Timeout.TotalSeconds:0.#} s." : e.Message;
        }

        var last = delivery.Attempts + 1 >= MaxAttempts;
        await store.RecordAttemptAsync(deliveryId, last ? WebhookDeliveryStates.Failed : WebhookDeliveryStates.Retrying, time.GetUtcNow(), status, error,
            CancellationToken.None).ConfigureAwait(false);
        logger.LogWarning("Webhook {Delivery} ({Type}) to {Endpoint}: attempt {Attempt} failed: {Error}", delivery.Id, delivery.EventType,
            delivery.Endpoint, delivery.Attempts + 1, error);
        throw new WebhookDeliveryException(error);
    }
}

/// <summary>An attempt failed; Hangfire retries the job.</summary>
public sealed class WebhookDeliveryException(string message) : Exception(message);
