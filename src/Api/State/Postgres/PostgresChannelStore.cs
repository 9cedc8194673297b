using Npgsql;
using NpgsqlTypes;

namespace Broadcast.Api.State.Postgres;

/// <summary>
/// Channel definitions in the <c>channels</c> table (db/migrations/0001_channels.sql). Camera credentials are stored
/// encrypted (<see cref="SecretCipher"/>); every statement is parameterised; adding is INSERT … ON CONFLICT DO NOTHING,
/// so two appliances adding the same id at once get one winner.
/// </summary>
public sealed class PostgresChannelStore(NpgsqlDataSource database, SecretCipher cipher) : IChannelStore
{
    /// <summary>Field names bound into the ciphertexts' associated data.</summary>
    public const string UsernameField = "rtsp_username";
    public const string PasswordField = "rtsp_password";

    private const string Columns = """
        id, source, rtsp_url, rtsp_transport, rtsp_username_encrypted, rtsp_password_encrypted,
        hls_segment_seconds, hls_playlist_size, hls_signed_urls, retention_max_age_seconds, retention_max_bytes,
        idle_timeout_seconds, publish_token_hash, created_at, updated_at, hls_format, hls_renditions
        """;

    public async Task<IReadOnlyList<ChannelDefinition>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM channels ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var channels = new List<ChannelDefinition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            channels.Add(Read(reader));
        }

        return channels;
    }

    public async Task<ChannelDefinition?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var command = database.CreateCommand($"SELECT {Columns} FROM channels WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task<ChannelAccess?> FindAccessAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var command = database.CreateCommand("SELECT source, hls_signed_urls, publish_token_hash FROM channels WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ChannelAccess(ReadSource(id, reader.GetString(0)), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<bool> TryAddAsync(ChannelDefinition channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await using var command = database.CreateCommand($"""
            INSERT INTO channels ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
            ON CONFLICT (id) DO NOTHING
            """);
        AddValues(command, channel);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> UpdateAsync(ChannelDefinition channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        // created_at ($14, sent with its type) stays as it was.
        await using var command = database.CreateCommand("""
            UPDATE channels SET source = $2, rtsp_url = $3, rtsp_transport = $4, rtsp_username_encrypted = $5,
                rtsp_password_encrypted = $6, hls_segment_seconds = $7, hls_playlist_size = $8, hls_signed_urls = $9,
                retention_max_age_seconds = $10, retention_max_bytes = $11, idle_timeout_seconds = $12,
                publish_token_hash = $13, updated_at = $15, hls_format = $16, hls_renditions = $17
            WHERE id = $1
            """);
        AddValues(command, channel);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var command = database.CreateCommand("DELETE FROM channels WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Parameters $1..$17 in the order of the column list.</summary>
    private void AddValues(NpgsqlCommand command, ChannelDefinition channel)
    {
        var rtsp = channel.Rtsp;
        Add(command, channel.Id, NpgsqlDbType.Text);
        Add(command, ChannelSources.Name(channel.Source), NpgsqlDbType.Text);
        Add(command, rtsp?.Url, NpgsqlDbType.Text);
        Add(command, rtsp?.Transport, NpgsqlDbType.Text);
        Add(command, rtsp?.Username is { } username ? cipher.Encrypt(username, channel.Id, UsernameField) : null, NpgsqlDbType.Bytea);
        Add(command, rtsp?.Password is { } password ? cipher.Encrypt(password, channel.Id, PasswordField) : null, NpgsqlDbType.Bytea);
        Add(command, channel.Hls.SegmentSeconds, NpgsqlDbType.Double);
        Add(command, channel.Hls.PlaylistSize, NpgsqlDbType.Integer);
        Add(command, channel.Hls.SignedUrls, NpgsqlDbType.Boolean);
        Add(command, channel.Retention.MaxAge is { } maxAge ? (long)Math.Ceiling(maxAge.TotalSeconds) : null, NpgsqlDbType.Bigint);
        Add(command, channel.Retention.QuotaBytes, NpgsqlDbType.Bigint);
        Add(command, channel.IdleTimeout is { } idle ? (int)Math.Ceiling(idle.TotalSeconds) : null, NpgsqlDbType.Integer);
        Add(command, channel.PublishTokenHash, NpgsqlDbType.Text);
        Add(command, channel.CreatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        Add(command, channel.UpdatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        Add(command, channel.Hls.Format is { } format ? HlsFormats.Name(format) : null, NpgsqlDbType.Text);
        Add(command, channel.Hls.Renditions, NpgsqlDbType.Text);
    }

    private static ChannelSource ReadSource(string id, string name) =>
        ChannelSources.TryParse(name, out var source)
            ? source
            : throw new InvalidOperationException($"Channel '{id}' has an unknown source '{name}'.");

    private static void Add(NpgsqlCommand command, object? value, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });

    private ChannelDefinition Read(NpgsqlDataReader row)
    {
        var id = row.GetString(0);
        var source = ReadSource(id, row.GetString(1));
        RtspSourceDefinition? rtsp = null;
        if (!row.IsDBNull(2))
        {
            // A row written with another appliance's key is listed with the reason, not thrown: one bad row must not
            // hide every channel.
            string? username = null, password = null, unreadable = null;
            try
            {
                username = row.IsDBNull(4) ? null : cipher.Decrypt(row.GetFieldValue<byte[]>(4), id, UsernameField);
                password = row.IsDBNull(5) ? null : cipher.Decrypt(row.GetFieldValue<byte[]>(5), id, PasswordField);
            }
            catch (StateSecretException ex)
            {
                (username, password, unreadable) = (null, null, ex.Message);
            }

            rtsp = new RtspSourceDefinition(row.GetString(2), row.IsDBNull(3) ? "tcp" : row.GetString(3), username, password, unreadable);
        }

        return new ChannelDefinition(
            id,
            source,
            rtsp,
            new ChannelHlsProfile(
                row.IsDBNull(6) ? null : row.GetDouble(6),
                row.IsDBNull(7) ? null : row.GetInt32(7),
                row.GetBoolean(8),
                row.IsDBNull(15) ? null : HlsFormats.Parse(row.GetString(15)),
                row.IsDBNull(16) ? null : row.GetString(16)),
            new ChannelRetentionSettings(
                row.IsDBNull(9) ? null : TimeSpan.FromSeconds(row.GetInt64(9)),
                row.IsDBNull(10) ? null : row.GetInt64(10)),
            row.IsDBNull(11) ? null : TimeSpan.FromSeconds(row.GetInt32(11)),
            row.IsDBNull(12) ? null : row.GetString(12),
            row.GetFieldValue<DateTimeOffset>(13),
            row.GetFieldValue<DateTimeOffset>(14));
    }
}
