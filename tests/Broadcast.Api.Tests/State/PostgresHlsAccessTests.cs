using System.Net;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.State;

/// <summary>HLS viewers of a host on PostgreSQL while its channels table cannot be read.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHlsAccessTests(PostgresCluster cluster)
{
    [Fact]
    public async Task While_the_channel_store_fails_known_channels_keep_their_answer_and_unknown_ones_get_503_with_Retry_After()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Broadcast"] = database,
            ["State:SecretKey"] = "the appliance's secret key for these tests",
        });
        await host.Client.PostJsonAsync("api/v1/channels", """{ "channel_id": "pg-sealed", "hls": { "signedUrls": true } }""")
            .ExpectAsync(HttpStatusCode.Created);
        var folder = Path.Combine(host.HlsRoot, "pg-sealed");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "index.m3u8"), "#EXTM3U\n");
        var signed = (await host.Client.PostJsonAsync("api/v1/channels/pg-sealed/hls-url", "{}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("path").GetString()!.TrimStart('/');
        await host.Client.GetAsync("hls/pg-sealed/index.m3u8").ExpectProblemAsync(HttpStatusCode.Forbidden);

        await MigrationTests.ExecuteAsync(database, "ALTER TABLE channels RENAME TO channels_unreadable");

        await host.Client.GetAsync("hls/pg-sealed/index.m3u8").ExpectProblemAsync(HttpStatusCode.Forbidden);
        using (var playlist = await host.Client.GetAsync(signed))
        {
            Assert.Equal(HttpStatusCode.OK, playlist.StatusCode);
        }

        using var unknown = await host.Client.GetAsync("hls/pg-never-seen/index.m3u8");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.True(unknown.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");

        await MigrationTests.ExecuteAsync(database, "ALTER TABLE channels_unreadable RENAME TO channels");

        await host.Client.GetAsync("hls/pg-never-seen/index.m3u8").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
