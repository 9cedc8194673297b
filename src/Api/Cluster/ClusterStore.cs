using Broadcast.Api.State;
using Npgsql;
using NpgsqlTypes;

namespace Broadcast.Api.Cluster;

/// <summary>An appliance's row in the registry, with its live lease count.</summary>
/// <param name="Id">Its name.</param>
/// <param name="PublicUrl">Where clients reach it.</param>
/// <param name="MediaAddress">The address it announces for media.</param>
/// <param name="StartedAt">When it (re)started.</param>
/// <param name="HeartbeatAt">Its last heartbeat (database time).</param>
/// <param name="Live">Its heartbeat is younger than a lease.</param>
/// <param name="Draining">An admin asked it to move its channels away.</param>
/// <param name="Channels">Channels it owns now (unexpired leases).</param>
/// <param name="Viewers">Viewers (real-time and HLS) at its last heartbeat.</param>
/// <param name="CpuPercent">Its process's CPU at its last heartbeat, in % of the whole machine.</param>
public sealed record ApplianceRow(string Id, string PublicUrl, string? MediaAddress, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    bool Live, bool Draining, int Channels, int Viewers, double CpuPercent);

/// <summary>Who owns a channel.</summary>
/// <param name="Owner">The owning appliance's id.</param>
/// <param name="Valid">The lease has not expired.</param>
/// <param name="OwnerUrl">The owner's public URL; null when its row is gone.</param>
public sealed record LeaseRow(string Owner, bool Valid, string? OwnerUrl);

/// <summary>A channel this appliance owns after a heartbeat, with what tells it whether its settings changed.</summary>
public sealed record OwnedChannel(string Id, ChannelSource Source, DateTimeOffset UpdatedAt);

/// <summary>What one heartbeat learnt.</summary>
/// <param name="Draining">This appliance is marked draining.</param>
/// <param name="Owned">Every channel it owns now (renewed or just claimed).</param>
/// <param name="Claimed">The ones it claimed in this heartbeat (their owner died or they had none).</param>
/// <param name="Leases">Every lease, by channel.</param>
/// <param name="Appliances">The registry.</param>
/// <param name="Forgotten">Appliances this heartbeat removed from the registry after Cluster:ForgetAfter of silence.</param>
/// <param name="PreviousInstance">The process tag of the heartbeat before this one with this id (null: the first).</param>
public sealed record Heartbeat(bool Draining, IReadOnlyList<OwnedChannel> Owned, IReadOnlyList<string> Claimed,
    IReadOnlyDictionary<string, LeaseRow> Leases, IReadOnlyList<ApplianceRow> Appliances, IReadOnlyList<string> Forgotten,
    string? PreviousInstance = null);

/// <summary>The load an appliance reports with its heartbeat.</summary>
public readonly record struct ApplianceLoad(int Channels, int Viewers, double CpuPercent);

/// <summary>
/// The registry and the leases in PostgreSQL (db/migrations/0006_appliances.sql). Times are the database's: an
/// appliance's clock never decides whether a lease expired. A heartbeat is one round trip whatever the channel count.
/// </summary>
public sealed class ClusterStore(NpgsqlDataSource database)
{
    /// <summary>The channel PostgreSQL notifies on, with the id of the appliance that should look at its leases now.</summary>
    public const string NotifyChannel = "broadcast_cluster";

    // The live, non-draining appliance an orphan goes to: highest rendezvous hash of (channel, appliance), so that
    // survivors share a dead appliance's channels without talking to each other.
    private const string HeartbeatSql = """
        WITH previous AS (SELECT instance FROM appliances WHERE id = $1)
        INSERT INTO appliances AS a (id, public_url, media_address, started_at, heartbeat_at, channels, viewers, cpu_percent, instance)
        VALUES ($1, $2, $3, now(), now(), $4, $5, $6, $8)
        ON CONFLICT (id) DO UPDATE SET public_url = EXCLUDED.public_url, media_address = EXCLUDED.media_address,
            started_at = CASE WHEN $7 THEN now() ELSE a.started_at END, heartbeat_at = now(),
            channels = EXCLUDED.channels, viewers = EXCLUDED.viewers, cpu_percent = EXCLUDED.cpu_percent, instance = EXCLUDED.instance
        RETURNING draining, (SELECT instance FROM previous);

        DELETE FROM appliances WHERE heartbeat_at < now() - $1 RETURNING id;

        UPDATE channel_leases l SET expires_at = now() + $2
        FROM channels c WHERE l.owner = $1 AND c.id = l.channel_id
        RETURNING l.channel_id, c.source, c.updated_at;

        WITH live AS (SELECT id FROM appliances WHERE heartbeat_at > now() - $2 AND NOT draining),
        orphans AS (
            SELECT c.id, coalesce(l.expires_at, c.created_at) AS expires_at FROM channels c LEFT JOIN channel_leases l ON l.channel_id = c.id
            -- A channel without a lease is being placed by the appliance that created it: left to it for the grace.
            WHERE (l.channel_id IS NULL AND c.created_at < now() - $3) OR l.expires_at < now()),
        claimed AS (
            INSERT INTO channel_leases AS l (channel_id, owner, expires_at, acquired_at)
            SELECT o.id, $1, now() + $2, now() FROM orphans o
            WHERE NOT coalesce((SELECT draining FROM appliances WHERE id = $1), false) AND (o.expires_at < now() - $3
                OR $1 = (SELECT a.id FROM live a ORDER BY hashtext(o.id || '/' || a.id) DESC, a.id LIMIT 1))
            ON CONFLICT (channel_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
                WHERE l.expires_at < now()
            RETURNING l.channel_id)
        SELECT c.id, c.source, c.updated_at FROM claimed JOIN channels c ON c.id = claimed.channel_id;

        SELECT l.channel_id, l.owner, l.expires_at > now(), a.public_url
        FROM channel_leases l LEFT JOIN appliances a ON a.id = l.owner;
        """;

    private const string AppliancesSql = """
        SELECT a.id, a.public_url, a.media_address, a.started_at, a.heartbeat_at, a.heartbeat_at > now() - $1, a.draining,
            (SELECT count(*)::int FROM channel_leases l WHERE l.owner = a.id AND l.expires_at > now()), a.viewers, a.cpu_percent
        FROM appliances a ORDER BY a.id
        """;

    /// <summary>
    /// Records the heartbeat and load, forgets appliances silent for Cluster:ForgetAfter, renews every lease of
    /// <paramref name="me"/>, claims orphans (unless it is marked draining) and reads the leases and the registry.
    /// <paramref name="instance"/> tags this process (the same in all its heartbeats): another tag found in the row
    /// between two of them means a second process uses the same appliance id.
    /// </summary>
    public async Task<Heartbeat> BeatAsync(string me, string instance, string publicUrl, string? mediaAddress, ApplianceLoad load, bool started,
        ClusterOptions options, CancellationToken cancellationToken)
    {
        var orphanGrace = 2 * options.HeartbeatInterval;
        await using var batch = database.CreateBatch();
        foreach (var sql in HeartbeatSql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql.TrimEnd(';')));
        }

        var commands = batch.BatchCommands;
        Add(commands[0], me, publicUrl, mediaAddress, load.Channels, load.Viewers, load.CpuPercent, started, instance);
        Add(commands[1], options.ForgetAfter);
        Add(commands[2], me, options.LeaseDuration);
        Add(commands[3], me, options.LeaseDuration, orphanGrace);
        var appliances = new NpgsqlBatchCommand(AppliancesSql);
        Add(appliances, options.LeaseDuration);
        commands.Add(appliances);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var registered = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var markedDraining = registered && reader.GetBoolean(0);
        var previousInstance = registered && !reader.IsDBNull(1) ? reader.GetString(1) : null;
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var forgotten = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            forgotten.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var owned = await ReadOwnedAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var claimed = await ReadOwnedAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var leases = await ReadLeasesAsync(reader, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var registry = await ReadAppliancesAsync(reader, cancellationToken).ConfigureAwait(false);
        owned.AddRange(claimed);
        return new Heartbeat(markedDraining, owned, [.. claimed.Select(c => c.Id)], leases, registry, forgotten, previousInstance);
    }

    /// <summary>The registry, with each appliance's live lease count.</summary>
    public async Task<IReadOnlyList<ApplianceRow>> ListAppliancesAsync(TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(AppliancesSql);
        command.Parameters.Add(new NpgsqlParameter { Value = leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAppliancesAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives a new channel its owner: <paramref name="me"/> when <paramref name="preferMe"/> and it is live and not
    /// draining, else the live, non-draining appliance owning the fewest channels; <paramref name="me"/> when there is
    /// none. An existing lease stays. Returns the owner and its URL, and wakes it.
    /// </summary>
    public async Task<LeaseRow> PlaceAsync(string channelId, string me, bool preferMe, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            WITH target AS (
                SELECT a.id FROM appliances a
                WHERE a.heartbeat_at > now() - $3 AND NOT a.draining
                ORDER BY CASE WHEN $4 AND a.id = $2 THEN 0 ELSE 1 END,
                    (SELECT count(*) FROM channel_leases l WHERE l.owner = a.id AND l.expires_at > now()), a.cpu_percent, a.id
                LIMIT 1),
            placed AS (
                INSERT INTO channel_leases (channel_id, owner, expires_at, acquired_at)
                SELECT c.id, coalesce((SELECT id FROM target), $2), now() + $3, now() FROM channels c WHERE c.id = $1
                ON CONFLICT (channel_id) DO NOTHING
                RETURNING owner),
            current AS (
                SELECT owner FROM placed UNION ALL SELECT owner FROM channel_leases WHERE channel_id = $1 LIMIT 1)
            SELECT c.owner, a.public_url FROM current c LEFT JOIN appliances a ON a.id = c.owner
            """);
        Add(command, channelId, me, leaseDuration, preferMe);
        // Nothing placed nor read: another appliance's claim of the channel was in flight; its outcome is the owner.
        var lease = await ReadLeaseAsync(command, cancellationToken).ConfigureAwait(false)
            ?? await OwnerOrClaimAsync(channelId, me, mayClaim: true, leaseDuration, cancellationToken).ConfigureAwait(false)
            ?? new LeaseRow(me, false, null);
        await NotifyAsync(lease.Owner, cancellationToken).ConfigureAwait(false);
        return lease;
    }

    /// <summary>
    /// The channel's owner, after claiming it for <paramref name="me"/> when its lease expired or it has none (and
    /// <paramref name="mayClaim"/>). Null when no channel has the id.
    /// </summary>
    public async Task<LeaseRow?> OwnerOrClaimAsync(string channelId, string me, bool mayClaim, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            WITH claimed AS (
                INSERT INTO channel_leases AS l (channel_id, owner, expires_at, acquired_at)
                SELECT c.id, $2, now() + $3, now() FROM channels c WHERE c.id = $1 AND $4
                ON CONFLICT (channel_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
                    WHERE l.expires_at < now()
                RETURNING owner, true AS valid),
            current AS (
                SELECT owner, valid FROM claimed
                UNION ALL SELECT owner, expires_at > now() FROM channel_leases WHERE channel_id = $1
                LIMIT 1)
            SELECT c.owner, a.public_url, c.valid FROM current c LEFT JOIN appliances a ON a.id = c.owner
            """);
        Add(command, channelId, me, leaseDuration, mayClaim);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LeaseRow(reader.GetString(0), reader.GetBoolean(2), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    /// <summary>Every lease, by channel (for listings).</summary>
    public async Task<IReadOnlyDictionary<string, LeaseRow>> ListLeasesAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT l.channel_id, l.owner, l.expires_at > now(), a.public_url FROM channel_leases l LEFT JOIN appliances a ON a.id = l.owner
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadLeasesAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    // Rows of (channel_id, owner, valid, owner's public_url).
    private static async Task<Dictionary<string, LeaseRow>> ReadLeasesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var leases = new Dictionary<string, LeaseRow>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases[reader.GetString(0)] = new LeaseRow(reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        return leases;
    }

    /// <summary>
    /// Hands channels of <paramref name="me"/> over to the owners given (a draining appliance's channels); returns the
    /// ones moved, and wakes their new owners.
    /// </summary>
    public async Task<IReadOnlyList<string>> HandOverAsync(string me, IReadOnlyList<(string Channel, string Owner)> moves, TimeSpan leaseDuration,
        CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            UPDATE channel_leases l SET owner = v.owner, expires_at = now() + $2, acquired_at = now()
            FROM unnest($3::text[], $4::text[]) AS v(channel_id, owner)
            WHERE l.channel_id = v.channel_id AND l.owner = $1
            RETURNING l.channel_id
            """);
        Add(command, me, leaseDuration, moves.Select(m => m.Channel).ToArray(), moves.Select(m => m.Owner).ToArray());
        var moved = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                moved.Add(reader.GetString(0));
            }
        }

        foreach (var owner in moves.Where(m => moved.Contains(m.Channel)).Select(m => m.Owner).Distinct(StringComparer.Ordinal))
        {
            await NotifyAsync(owner, cancellationToken).ConfigureAwait(false);
        }

        return moved;
    }

    /// <summary>Gives up every lease of <paramref name="me"/> and its registry row (a clean stop): others take the channels at once.</summary>
    public async Task LeaveAsync(string me, CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        // Expired long ago rather than deleted: any live appliance takes them at its next heartbeat.
        var release = new NpgsqlBatchCommand("UPDATE channel_leases SET expires_at = now() - interval '1 hour' WHERE owner = $1");
        Add(release, me);
        var forget = new NpgsqlBatchCommand("DELETE FROM appliances WHERE id = $1");
        Add(forget, me);
        var wake = new NpgsqlBatchCommand("SELECT pg_notify($1, '*')");
        Add(wake, NotifyChannel);
        batch.BatchCommands.Add(release);
        batch.BatchCommands.Add(forget);
        batch.BatchCommands.Add(wake);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks an appliance draining (or not); false when no appliance has the id. Wakes it.</summary>
    public async Task<bool> SetDrainingAsync(string applianceId, bool draining, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("UPDATE appliances SET draining = $2 WHERE id = $1");
        Add(command, applianceId, draining);
        var found = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        if (found)
        {
            await NotifyAsync(applianceId, cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>Wakes <paramref name="applianceId"/> ("*": all) to look at its leases now rather than at its next heartbeat.</summary>
    public async Task NotifyAsync(string applianceId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT pg_notify($1, $2)");
        Add(command, NotifyChannel, applianceId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LeaseRow?> ReadLeaseAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LeaseRow(reader.GetString(0), true, reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    private static async Task<List<OwnedChannel>> ReadOwnedAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var owned = new List<OwnedChannel>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A row with a source this version does not know is left to the channel store to report.
            if (ChannelSources.TryParse(reader.GetString(1), out var source))
            {
                owned.Add(new OwnedChannel(reader.GetString(0), source, reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        return owned;
    }

    private static async Task<IReadOnlyList<ApplianceRow>> ReadAppliancesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<ApplianceRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ApplianceRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetBoolean(5), reader.GetBoolean(6),
                reader.GetInt32(7), reader.GetInt32(8), reader.GetDouble(9)));
        }

        return rows;
    }

    private static void Add(NpgsqlCommand command, params object?[] values) => AddTo(command.Parameters, values);

    private static void Add(NpgsqlBatchCommand command, params object?[] values) => AddTo(command.Parameters, values);

    private static void AddTo(NpgsqlParameterCollection parameters, object?[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(value switch
            {
                TimeSpan span => new NpgsqlParameter { Value = span, NpgsqlDbType = NpgsqlDbType.Interval },
                string[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                string text => new NpgsqlParameter { Value = text, NpgsqlDbType = NpgsqlDbType.Text },
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = value },
            });
        }
    }
}
