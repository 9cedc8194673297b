using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Api.Tests.State;

/// <summary>Channel definitions in PostgreSQL: round trips, credentials encrypted at rest, concurrent adds, a wrong key.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresChannelStoreTests(PostgresCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset Created = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);
    private readonly SecretCipher _cipher = new(StateKey.FromSecret("the key of these tests"));
    private string _database = "";
    private NpgsqlDataSource _source = null!;
    private PostgresChannelStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await cluster.CreateDatabaseAsync();
        await new DatabaseMigrator(_database, NullLogger.Instance).MigrateAsync();
        _source = NpgsqlDataSource.Create(_database);
        _store = new PostgresChannelStore(_source, _cipher);
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private static ChannelDefinition Camera(string id, DateTimeOffset? created = null) => new(
        id,
        ChannelSource.Rtsp,
        new RtspSourceDefinition("rtsp://192.0.2.10:554/Streaming/Channels/101", "udp", "admin", "hunter2"),
        new ChannelHlsProfile(4, 3, SignedUrls: true, Format: Broadcast.Transcode.HlsSegmentFormat.Fmp4, Renditions: "src=copy,360p=360@800"),
        new ChannelRetentionSettings(TimeSpan.FromHours(6), 5_000_000_000),
        TimeSpan.FromMinutes(5),
        null,
        created ?? Created,
        created ?? Created);

    private static ChannelDefinition Publisher(string id, ChannelSource source = ChannelSource.WebRtc) => new(
        id, source, null, ChannelHlsProfile.Default, ChannelRetentionSettings.Default, null, PublishToken.Hash("a-token-for-the-stage"), Created, Created);

    [Fact]
    public async Task A_camera_channel_reads_back_equal_with_its_credentials()
    {
        var channel = Camera("cam1");

        Assert.True(await _store.TryAddAsync(channel));

        Assert.Equal(channel, await _store.FindAsync("cam1"));
        Assert.Equal([channel], await _store.ListAsync());
    }

    [Fact]
    public async Task Camera_credentials_are_not_readable_in_the_table()
    {
        await _store.TryAddAsync(Camera("cam-raw"));

        var row = Assert.Single(await MigrationTests.QueryAsync(_database, "SELECT row_to_json(c)::text FROM channels c"));
        await using var command = _source.CreateCommand("SELECT rtsp_username_encrypted, rtsp_password_encrypted FROM channels WHERE id = 'cam-raw'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var username = reader.GetFieldValue<byte[]>(0);
        var password = reader.GetFieldValue<byte[]>(1);

        Assert.DoesNotContain("hunter2", row, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", row, StringComparison.Ordinal);
        Assert.Contains("rtsp://192.0.2.10:554/Streaming/Channels/101", row, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", System.Text.Encoding.Latin1.GetString(password), StringComparison.Ordinal);
        Assert.Equal(SecretCipher.Version1, password[0]);
        Assert.Equal(_cipher.Key.Id, SecretCipher.KeyIdOf(password));
        Assert.Equal(_cipher.Key.Id, SecretCipher.KeyIdOf(username));
    }

    [Fact]
    public async Task A_publisher_channel_keeps_only_its_token_hash_and_the_configured_defaults()
    {
        var channel = Publisher("stage", ChannelSource.Rtp);

        await _store.TryAddAsync(channel);

        var read = await _store.FindAsync("stage");
        Assert.Equal(channel, read);
        Assert.Null(read!.Rtsp);
        Assert.Equal([PublishToken.Hash("a-token-for-the-stage")],
            await MigrationTests.QueryAsync(_database, "SELECT publish_token_hash FROM channels WHERE id = 'stage'"));
    }

    [Fact]
    public async Task The_access_query_reads_source_signed_HLS_and_token_hash_without_the_state_key()
    {
        await _store.TryAddAsync(Camera("cam-access"));
        await _store.TryAddAsync(Publisher("pub-access", ChannelSource.Rtp));
        var otherKey = new PostgresChannelStore(_source, new SecretCipher(StateKey.FromSecret("not the key they were saved with")));

        Assert.Equal(new ChannelAccess(ChannelSource.Rtsp, true, null), await otherKey.FindAccessAsync("cam-access"));
        Assert.Equal(new ChannelAccess(ChannelSource.Rtp, false, PublishToken.Hash("a-token-for-the-stage")), await otherKey.FindAccessAsync("pub-access"));
        Assert.Null(await otherKey.FindAccessAsync("nothing"));
    }

    [Fact]
    public async Task The_memory_store_answers_the_access_query_from_the_definition()
    {
        var memory = new InMemoryChannelStore();
        await memory.TryAddAsync(Camera("cam-access"));

        Assert.Equal(new ChannelAccess(ChannelSource.Rtsp, true, null), await memory.FindAccessAsync("cam-access"));
        Assert.Null(await memory.FindAccessAsync("nothing"));
    }

    [Fact]
    public async Task Adding_an_id_that_exists_returns_false_and_keeps_the_first()
    {
        await _store.TryAddAsync(Camera("dup"));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _store.TryAddAsync(Publisher("dup"))));

        Assert.All(results, Assert.False);
        Assert.Equal(ChannelSource.Rtsp, (await _store.FindAsync("dup"))!.Source);
    }

    [Fact]
    public async Task Adding_one_id_from_many_connections_at_once_has_one_winner()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => _store.TryAddAsync(Publisher("race")))));

        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Updating_replaces_everything_but_the_creation_time()
    {
        await _store.TryAddAsync(Publisher("upd"));
        var changed = Publisher("upd") with
        {
            Hls = new ChannelHlsProfile(6, 10, true),
            PublishTokenHash = PublishToken.Hash("another-token-value"),
            CreatedAt = Created.AddDays(1),
            UpdatedAt = Created.AddHours(1),
        };

        Assert.True(await _store.UpdateAsync(changed));
        Assert.False(await _store.UpdateAsync(changed with { Id = "nobody" }));

        Assert.Equal(changed with { CreatedAt = Created }, await _store.FindAsync("upd"));
    }

    [Fact]
    public async Task Deleting_removes_the_channel_once()
    {
        await _store.TryAddAsync(Camera("gone"));

        Assert.True(await _store.DeleteAsync("gone"));
        Assert.False(await _store.DeleteAsync("gone"));
        Assert.Null(await _store.FindAsync("gone"));
    }

    [Fact]
    public async Task Channels_are_listed_in_creation_order()
    {
        await _store.TryAddAsync(Camera("b", Created.AddSeconds(2)));
        await _store.TryAddAsync(Camera("c", Created.AddSeconds(1)));
        await _store.TryAddAsync(Camera("a", Created.AddSeconds(2)));

        Assert.Equal(["c", "a", "b"], (await _store.ListAsync()).Select(c => c.Id));
    }

    [Fact]
    public async Task A_row_written_with_another_key_is_listed_with_a_clear_error_naming_the_channel_and_both_keys()
    {
        await _store.TryAddAsync(Camera("cam-key"));
        await _store.TryAddAsync(Publisher("pub-key"));
        var other = new PostgresChannelStore(_source, new SecretCipher(StateKey.FromSecret("not the key they were saved with")));

        var listed = await other.ListAsync();

        Assert.Equal(["cam-key", "pub-key"], listed.Select(c => c.Id).Order(StringComparer.Ordinal));
        var camera = listed.Single(c => c.Id == "cam-key").Rtsp!;
        Assert.Null(camera.Username);
        Assert.Null(camera.Password);
        var error = camera.CredentialsError!;
        Assert.Contains("channel 'cam-key'", error, StringComparison.Ordinal);
        Assert.Contains(_cipher.Key.Id, error, StringComparison.Ordinal);
        Assert.Contains("State:SecretKey (BROADCAST_SECRET_KEY)", error, StringComparison.Ordinal);
        Assert.Equal(error, (await other.FindAsync("cam-key"))!.Rtsp!.CredentialsError);
        // Starting its camera says why it cannot.
        var start = Assert.Throws<StateSecretException>(() => Broadcast.Api.Channels.ChannelRequestReader.CameraOf(listed.Single(c => c.Id == "cam-key")));
        Assert.Equal(error, start.Message);
        // With the right key nothing is reported.
        Assert.Null((await _store.FindAsync("cam-key"))!.Rtsp!.CredentialsError);
    }
}
