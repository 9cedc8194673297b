using Npgsql;
using NpgsqlTypes;

namespace Broadcast.Api.Webhooks;

/// <summary>Deliveries in the <c>webhook_deliveries</c> table (db/migrations/0005_webhook_deliveries.sql); older than 30 days are pruned on insert.</summary>
public sealed class PostgresWebhookDeliveryStore(NpgsqlDataSource database) : IWebhookDeliveryStore
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromDays(30);

    private const string Columns =
        "id, endpoint, url, event_type, channel_id, payload, created_at, state, attempts, last_attempt_at, last_status_code, last_error, delivered_at";

    public async Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await using var batch = database.CreateBatch();
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO webhook_deliveries ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, NULL, NULL, NULL)
            """);
        Add(insert, delivery.Id, NpgsqlDbType.Text);
        Add(insert, delivery.Endpoint, NpgsqlDbType.Text);
        Add(insert, delivery.Url, NpgsqlDbType.Text);
        Add(insert, delivery.EventType, NpgsqlDbType.Text);
        Add(insert, delivery.ChannelId, NpgsqlDbType.Text);
        Add(insert, delivery.Payload, NpgsqlDbType.Text);
        Add(insert, delivery.CreatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        Add(insert, delivery.State, NpgsqlDbType.Text);
        batch.BatchCommands.Add(insert);
        var prune = new NpgsqlBatchCommand("DELETE FROM webhook_deliveries WHERE created_at < $1");
        Add(prune, (delivery.CreatedAt - KeptFor).ToUniversalTime(), NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(prune);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<WebhookDelivery?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM webhook_deliveries WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task RecordAttemptAsync(string id, string state, DateTimeOffset at, int? statusCode, string? error, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("""
            UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_attempt_at = $3, last_status_code = $4, last_error = $5,
                delivered_at = CASE WHEN $2 = 'delivered' THEN $3 ELSE delivered_at END
            WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = state, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> RecentAsync(int count, string? channelId = null, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"""
            SELECT {Columns} FROM webhook_deliveries WHERE ($2::text IS NULL OR channel_id = $2) ORDER BY created_at DESC, id LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = count, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)channelId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static void Add(NpgsqlBatchCommand command, object value, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });

    private static async Task<List<WebhookDelivery>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var deliveries = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deliveries.Add(new WebhookDelivery(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12)));
        }

        return deliveries;
    }
}
