using System.Net;

namespace Broadcast.E2E.Tests.Cluster;

/// <summary>
/// The helper of the multi-appliance tests: the built appliance starts as a process of its own (embedded state, no
/// database), answers on its port, and <see cref="ApplianceProcess.Kill"/> ends it as a crash would.
/// </summary>
public sealed class ApplianceProcessTests
{
    [Fact]
    public async Task An_appliance_process_answers_healthz_and_is_gone_once_killed()
    {
        using var appliance = await ApplianceProcess.StartAsync("smoke", new Dictionary<string, string?>());

        using (var health = await appliance.Client.GetAsync("healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // Its output is read as it comes: the start's own report is there to wait for.
        var store = await appliance.WaitForLineAsync(line => line.Contains("State store: in memory", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("ConnectionStrings:Broadcast is not set", store, StringComparison.Ordinal);
        Assert.True(Directory.Exists(appliance.Folder));

        appliance.Kill();
        Assert.True(appliance.HasExited, appliance.Tail);
        await Assert.ThrowsAsync<HttpRequestException>(() => appliance.Client.GetAsync("healthz"));

        appliance.KillLeftovers();
        appliance.Dispose();
        Assert.False(Directory.Exists(appliance.Folder));
        appliance.Dispose(); // again, as the using does
    }
}
