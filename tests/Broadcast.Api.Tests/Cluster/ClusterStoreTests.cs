using Broadcast.Api.Cluster;
using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Api.Tests.Cluster;

/// <summary>
/// The registry and the leases in a real PostgreSQL: renewal, takeover once a lease expired (death is played by moving
/// the dead appliance's times into the past, as no heartbeat would have moved them), orphans shared by the survivors
/// and each claimed once, placement, drain and a clean leave.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterStoreTests(PostgresCluster cluster) : IAsyncLifetime
{
    // Older than the grace a new channel gets for its placement.
    private static readonly DateTimeOffset Created = new(2026, 1, 4, 9, 0, 0, TimeSpan.Zero);
    // Leases long enough that a stalled machine never sees one lapse by itself mid-test: deaths are played below.
    private static readonly ClusterOptions Options = new() { LeaseDuration = TimeSpan.FromMinutes(1) };
    private string _database = "";
    private NpgsqlDataSource _source = null!;
    private ClusterStore _store = null!;
    private PostgresChannelStore _channels = null!;

    public async Task InitializeAsync()
    {
        _database = await cluster.CreateDatabaseAsync();
        await new DatabaseMigrator(_database, NullLogger.Instance).MigrateAsync();
        _source = NpgsqlDataSource.Create(_database);
        _store = new ClusterStore(_source);
        _channels = new PostgresChannelStore(_source, new SecretCipher(StateKey.FromSecret("the key of these tests")));
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private async Task AddChannelsAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            Assert.True(await _channels.TryAddAsync(new ChannelDefinition(id, ChannelSource.WebRtc, null, ChannelHlsProfile.Default,
                ChannelRetentionSettings.Default, null, null, Created, Created)));
        }
    }

    private Task<Heartbeat> BeatAsync(string appliance, bool first = false) =>
        _store.BeatAsync(appliance, $"{appliance}-process", $"http://{appliance}.test", null, new ApplianceLoad(0, 0, 0), first, Options, CancellationToken.None);

    // What a kill -9 leaves: a heartbeat and leases nobody renews, here a lease and a second old (the leases just
    // expired: survivors share them by rendezvous hash; after twice the heartbeat interval anyone may take them).
    private async Task DieAsync(string appliance, string expiredFor = "1 second")
    {
        await using var command = _source.CreateCommand($"""
            UPDATE appliances SET heartbeat_at = now() - interval '61 seconds' - interval '{expiredFor}' WHERE id = '{appliance}';
            UPDATE channel_leases SET expires_at = now() - interval '{expiredFor}' WHERE owner = '{appliance}'
            """);
        await command.ExecuteNonQueryAsync();
    }

    private static string[] Ids(IEnumerable<OwnedChannel> owned) => [.. owned.Select(c => c.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_lease_is_renewed_by_its_owner_and_taken_over_only_once_it_expired()
    {
        await AddChannelsAsync("c1", "c2", "c3");

        var a = await BeatAsync("a", first: true);
        Assert.Equal(["c1", "c2", "c3"], Ids(a.Owned));
        Assert.Equal(3, a.Claimed.Count);

        var b = await BeatAsync("b", first: true);
        Assert.Empty(b.Owned);
        Assert.All(b.Leases.Values, l => Assert.Equal(new LeaseRow("a", true, "http://a.test"), l));
        Assert.Equal(3, (await BeatAsync("a")).Owned.Count); // renewed, nothing new

        await DieAsync("a");
        var takeover = await BeatAsync("b");
        Assert.Equal(["c1", "c2", "c3"], Ids(takeover.Owned));
        Assert.Equal(3, takeover.Claimed.Count);
        Assert.False(takeover.Appliances.Single(x => x.Id == "a").Live);

        // The old owner comes back (it was only cut off): it owns nothing any more and claims nothing.
        var back = await BeatAsync("a");
        Assert.Empty(back.Owned);
        Assert.All(back.Leases.Values, l => Assert.Equal("b", l.Owner));
    }

    [Fact]
    public async Task A_new_channel_is_left_to_its_placement_and_a_clean_leave_frees_leases_for_anyone()
    {
        await BeatAsync("a", first: true);
        Assert.True(await _channels.TryAddAsync(new ChannelDefinition("fresh", ChannelSource.WebRtc, null, ChannelHlsProfile.Default,
            ChannelRetentionSettings.Default, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)));
        Assert.Empty((await BeatAsync("a")).Claimed); // the appliance creating it places it

        Assert.Equal("a", (await _store.PlaceAsync("fresh", "b", preferMe: true, Options.LeaseDuration, CancellationToken.None)).Owner); // b is not live
        await _store.LeaveAsync("a", CancellationToken.None);
        await BeatAsync("b", first: true);
        Assert.Contains("fresh", (await BeatAsync("b")).Owned.Select(c => c.Id));
    }

    [Fact]
    public async Task A_lease_orphaned_longer_than_twice_the_heartbeat_is_taken_by_any_live_appliance()
    {
        await AddChannelsAsync(Enumerable.Range(1, 12).Select(i => $"o{i}").ToArray());
        await BeatAsync("a", first: true);
        await BeatAsync("b", first: true);
        await BeatAsync("c", first: true);
        await DieAsync("a", expiredFor: "1 minute");

        // The rendezvous winner may be c, which did not beat since: b does not wait for it.
        Assert.Equal(12, (await BeatAsync("b")).Owned.Count);
    }

    [Fact]
    public async Task A_dead_appliance_s_channels_are_shared_by_the_survivors_each_claimed_once()
    {
        foreach (var appliance in new[] { "a", "b", "c" })
        {
            await BeatAsync(appliance, first: true);
        }

        var ids = Enumerable.Range(1, 30).Select(i => $"ch{i}").ToArray();
        await AddChannelsAsync(ids);
        var placed = new List<LeaseRow>();
        foreach (var id in ids)
        {
            placed.Add(await _store.PlaceAsync(id, "a", preferMe: false, Options.LeaseDuration, CancellationToken.None));
        }

        // Least loaded first: an even spread.
        Assert.Equal([10, 10, 10], placed.GroupBy(p => p.Owner).Select(g => g.Count()).Order());
        var ofC = placed.Select((p, i) => (p.Owner, Id: ids[i])).Where(p => p.Owner == "c").Select(p => p.Id).Order(StringComparer.Ordinal).ToList();

        await DieAsync("c");
        var survivors = await Task.WhenAll(BeatAsync("a"), BeatAsync("b"));
        var again = await Task.WhenAll(BeatAsync("a"), BeatAsync("b"));

        var claimed = survivors.Concat(again).SelectMany(h => h.Claimed).ToList();
        Assert.Equal(ofC, claimed.Order(StringComparer.Ordinal)); // each once
        Assert.True(survivors.All(s => s.Claimed.Count > 0), string.Join(" / ", survivors.Concat(again).Select(s => string.Join(",", s.Claimed)))); // shared, not all to one
        Assert.Equal(30, again.Sum(h => h.Owned.Count));
    }

    [Fact]
    public async Task Placement_prefers_this_appliance_when_asked_and_never_a_draining_or_dead_one()
    {
        await BeatAsync("a", first: true);
        await BeatAsync("b", first: true);
        await BeatAsync("c", first: true);
        await AddChannelsAsync("p1", "p2", "p3", "p4");

        Assert.Equal("b", (await _store.PlaceAsync("p1", "b", preferMe: true, Options.LeaseDuration, CancellationToken.None)).Owner);
        Assert.True(await _store.SetDrainingAsync("a", true, CancellationToken.None));
        await DieAsync("c");
        Assert.Equal("b", (await _store.PlaceAsync("p2", "a", preferMe: true, Options.LeaseDuration, CancellationToken.None)).Owner);
        Assert.Equal("b", (await _store.PlaceAsync("p2", "c", preferMe: true, Options.LeaseDuration, CancellationToken.None)).Owner); // placed once
        Assert.False(await _store.SetDrainingAsync("nobody", true, CancellationToken.None));
    }

    [Fact]
    public async Task A_draining_appliance_claims_nothing_hands_its_channels_over_and_is_then_drained()
    {
        await BeatAsync("a", first: true);
        await BeatAsync("b", first: true);
        await AddChannelsAsync("d1", "d2", "d3");
        foreach (var id in new[] { "d1", "d2", "d3" })
        {
            await _store.PlaceAsync(id, "a", preferMe: true, Options.LeaseDuration, CancellationToken.None);
        }

        await _store.SetDrainingAsync("a", true, CancellationToken.None);
        var a = await BeatAsync("a");
        Assert.True(a.Draining);
        await AddChannelsAsync("orphan");
        Assert.Empty((await BeatAsync("a")).Claimed); // nothing new while draining

        var moved = await _store.HandOverAsync("a", [("d1", "b"), ("d2", "b"), ("d3", "b"), ("not-mine", "b")], Options.LeaseDuration, CancellationToken.None);
        Assert.Equal(["d1", "d2", "d3"], moved.Order(StringComparer.Ordinal));
        var b = await BeatAsync("b");
        Assert.Equal(["d1", "d2", "d3", "orphan"], Ids(b.Owned));
        var registry = await _store.ListAppliancesAsync(Options.LeaseDuration, CancellationToken.None);
        Assert.Equal((true, 0), registry.Where(r => r.Id == "a").Select(r => (r.Draining, r.Channels)).Single());
        Assert.Equal(4, registry.Single(r => r.Id == "b").Channels);
    }

    [Fact]
    public async Task A_clean_leave_frees_every_lease_at_once_and_a_request_time_claim_takes_a_free_one()
    {
        await AddChannelsAsync("l1", "l2");
        await BeatAsync("a", first: true);
        await BeatAsync("b", first: true);

        Assert.Equal(new LeaseRow("a", true, "http://a.test"), await _store.OwnerOrClaimAsync("l1", "b", mayClaim: true, Options.LeaseDuration, CancellationToken.None));
        Assert.Null(await _store.OwnerOrClaimAsync("no-such-channel", "b", mayClaim: true, Options.LeaseDuration, CancellationToken.None));

        await _store.LeaveAsync("a", CancellationToken.None);
        Assert.Equal("b", (await _store.OwnerOrClaimAsync("l1", "b", mayClaim: true, Options.LeaseDuration, CancellationToken.None))!.Owner);
        Assert.Equal(["l1", "l2"], Ids((await BeatAsync("b")).Owned));
        Assert.DoesNotContain(await _store.ListAppliancesAsync(Options.LeaseDuration, CancellationToken.None), r => r.Id == "a");
    }

    [Fact]
    public async Task A_second_process_heartbeating_with_the_same_id_is_seen()
    {
        Assert.Null((await BeatAsync("a", first: true)).PreviousInstance);
        Assert.Equal("a-process", (await BeatAsync("a")).PreviousInstance);

        var impostor = await _store.BeatAsync("a", "another-process", "http://a.test", null, default, false, Options, CancellationToken.None);

        Assert.Equal("a-process", impostor.PreviousInstance);
        Assert.Equal("another-process", (await BeatAsync("a")).PreviousInstance); // what the first process then sees
    }

    [Fact]
    public async Task Appliances_silent_for_the_forget_time_leave_the_registry()
    {
        await BeatAsync("a", first: true);
        await BeatAsync("gone", first: true);
        await using (var command = _source.CreateCommand("UPDATE appliances SET heartbeat_at = now() - interval '1 hour' WHERE id = 'gone'"))
        {
            await command.ExecuteNonQueryAsync();
        }

        var beat = await BeatAsync("a");

        Assert.Equal(["gone"], beat.Forgotten);
        Assert.Equal(["a"], beat.Appliances.Select(a => a.Id));
    }
}
