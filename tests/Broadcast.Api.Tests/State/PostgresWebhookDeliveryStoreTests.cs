using Broadcast.Api.State.Postgres;
using Broadcast.Api.Webhooks;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Api.Tests.State;

/// <summary>Webhook deliveries in PostgreSQL (db/migrations/0005), and the in-memory store held to the same behaviour.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWebhookDeliveryStoreTests(PostgresCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        var database = await cluster.CreateDatabaseAsync();
        await new DatabaseMigrator(database, NullLogger.Instance).MigrateAsync();
        _source = NpgsqlDataSource.Create(database);
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private static WebhookDelivery Delivery(string id, string channel, int minute) => new(id, "endpoint-0", "https://example.com/hook",
        "channel.created", channel, $$"""{"id":"{{id}}"}""", Start.AddMinutes(minute), WebhookDeliveryStates.Pending, 0, null, null, null, null);

    public static TheoryData<string> Stores() => ["postgres", "memory"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Attempts_are_recorded_and_deliveries_read_back_newest_first(string kind)
    {
        IWebhookDeliveryStore store = kind == "postgres" ? new PostgresWebhookDeliveryStore(_source) : new InMemoryWebhookDeliveryStore();
        await store.AddAsync(Delivery("a", "cam1", 0));
        await store.AddAsync(Delivery("b", "cam2", 1));
        await store.AddAsync(Delivery("c", "cam1", 2));

        await store.RecordAttemptAsync("a", WebhookDeliveryStates.Retrying, Start.AddMinutes(3), 500, "The receiver answered 500.");
        await store.RecordAttemptAsync("a", WebhookDeliveryStates.Delivered, Start.AddMinutes(4), 204, null);
        await store.RecordAttemptAsync("b", WebhookDeliveryStates.Retrying, Start.AddMinutes(5), null, "Connection refused");

        var a = (await store.FindAsync("a"))!;
        Assert.Equal((WebhookDeliveryStates.Delivered, 2, 204, (string?)null), (a.State, a.Attempts, a.LastStatusCode, a.LastError));
        Assert.Equal(Start.AddMinutes(4), a.DeliveredAt);
        Assert.Equal(Start.AddMinutes(4), a.LastAttemptAt);
        Assert.Equal("""{"id":"a"}""", a.Payload);
        var b = (await store.FindAsync("b"))!;
        Assert.Equal((WebhookDeliveryStates.Retrying, 1, (int?)null, "Connection refused"), (b.State, b.Attempts, b.LastStatusCode, b.LastError));
        Assert.Null(b.DeliveredAt);
        Assert.Equal(["c", "b", "a"], (await store.RecentAsync(10)).Select(d => d.Id));
        Assert.Equal(["c", "a"], (await store.RecentAsync(10, "cam1")).Select(d => d.Id));
        Assert.Equal(["c"], (await store.RecentAsync(1)).Select(d => d.Id));
        Assert.Null(await store.FindAsync("none"));
    }
}
