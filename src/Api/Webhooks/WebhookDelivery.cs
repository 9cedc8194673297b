namespace Broadcast.Api.Webhooks;

/// <summary>One event sent (or being sent) to one endpoint, as the API shows it.</summary>
/// <param name="Id">The delivery's id, also sent as X-Broadcast-Delivery (receivers may use it to drop duplicates).</param>
/// <param name="Endpoint">The endpoint's name (Webhooks:Endpoints:N:Name).</param>
/// <param name="Url">Where it is posted.</param>
/// <param name="EventType">channel.created, publisher.connected, camera.state-changed, ffmpeg.restarted...</param>
/// <param name="ChannelId">The channel the event is about.</param>
/// <param name="Payload">The JSON body, as sent.</param>
/// <param name="CreatedAt">When the event happened and the delivery was created.</param>
/// <param name="State">pending (not tried yet), delivered (a 2xx), retrying (the last attempt failed, another is due), failed (no attempts left).</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="LastAttemptAt">When the last attempt ended.</param>
/// <param name="LastStatusCode">The receiver's status code at the last attempt; null when it did not answer.</param>
/// <param name="LastError">Why the last attempt failed, if it did.</param>
/// <param name="DeliveredAt">When a 2xx came.</param>
public sealed record WebhookDelivery(string Id, string Endpoint, string Url, string EventType, string ChannelId, string Payload, DateTimeOffset CreatedAt,
    string State, int Attempts, DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? DeliveredAt);

/// <summary>The states of <see cref="WebhookDelivery"/>.</summary>
public static class WebhookDeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Retrying = "retrying";
    public const string Failed = "failed";
}

/// <summary>Where deliveries are kept: the database when there is one (any appliance may run an attempt), memory otherwise.</summary>
public interface IWebhookDeliveryStore
{
    Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default);

    Task<WebhookDelivery?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records an attempt's outcome: state, status code, error, and the delivery time for a 2xx.</summary>
    Task RecordAttemptAsync(string id, string state, DateTimeOffset at, int? statusCode, string? error, CancellationToken cancellationToken = default);

    /// <summary>The latest deliveries, newest first; of one channel when <paramref name="channelId"/> is given.</summary>
    Task<IReadOnlyList<WebhookDelivery>> RecentAsync(int count, string? channelId = null, CancellationToken cancellationToken = default);
}
