namespace Broadcast.Api.Webhooks;

/// <summary>The embedded default: the latest deliveries in memory.</summary>
public sealed class InMemoryWebhookDeliveryStore : IWebhookDeliveryStore
{
    public const int Kept = 1000;

    private readonly LinkedList<WebhookDelivery> _deliveries = new();
    private readonly Dictionary<string, LinkedListNode<WebhookDelivery>> _byId = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_lock)
        {
            _byId[delivery.Id] = _deliveries.AddFirst(delivery);
            while (_deliveries.Count > Kept)
            {
                _byId.Remove(_deliveries.Last!.Value.Id);
                _deliveries.RemoveLast();
            }
        }

        return Task.CompletedTask;
    }

    public Task<WebhookDelivery?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_byId.TryGetValue(id, out var node) ? node.Value : null);
        }
    }

    public Task RecordAttemptAsync(string id, string state, DateTimeOffset at, int? statusCode, string? error, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                var delivery = node.Value;
                node.Value = delivery with
                {
                    State = state,
                    Attempts = delivery.Attempts + 1,
                    LastAttemptAt = at,
                    LastStatusCode = statusCode,
                    LastError = error,
                    DeliveredAt = state == WebhookDeliveryStates.Delivered ? at : delivery.DeliveredAt,
                };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookDelivery>> RecentAsync(int count, string? channelId = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<WebhookDelivery>>(
                [.. _deliveries.Where(d => channelId is null || d.ChannelId == channelId).Take(count)]);
        }
    }
}
