using System.Net;
using System.Net.Sockets;
using Broadcast.Api.Hosting;
using Broadcast.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Broadcast.Api.Tests;

/// <summary>
/// Where the appliance listens is set as in any ASP.NET Core app (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, --urls,
/// Kestrel endpoints), with the command line over the environment, and http://0.0.0.0:8080 only when nothing says.
/// The test's variables stand in for the process's at the real environment sources' places.
/// </summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task ASPNETCORE_URLS_sets_where_the_appliance_listens()
    {
        await using var host = BroadcastHost.BuildWithEnvironment(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }, []);

        // Checked before the start, so that a regression never listens on the default's every interface.
        Assert.Equal("http://127.0.0.1:0", host.App.Configuration[WebHostDefaults.ServerUrlsKey]);
        await host.InitializeAsync();
        var address = new Uri(Assert.Single(host.App.Urls));
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(8080, address.Port);
        using var health = await host.Client.GetAsync(new Uri("healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_urls_argument_wins_over_ASPNETCORE_URLS()
    {
        // The environment names a port this test holds: listening there would fail the start.
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var heldPort = ((IPEndPoint)held.LocalEndpoint).Port;
        var environment = new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{heldPort}" };

        await using var host = BroadcastHost.BuildWithEnvironment(environment, ["--urls", "http://127.0.0.1:0"]);

        Assert.Equal("http://127.0.0.1:0", host.App.Configuration[WebHostDefaults.ServerUrlsKey]);
        await host.InitializeAsync();
        var address = new Uri(Assert.Single(host.App.Urls));
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(heldPort, address.Port);
        using var health = await host.Client.GetAsync(new Uri("healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Kestrel_endpoints_from_Section__Key_variables_set_where_the_appliance_listens()
    {
        var environment = new Dictionary<string, string> { ["Kestrel__Endpoints__Api__Url"] = "http://127.0.0.1:0" };

        await using var host = BroadcastHost.BuildWithEnvironment(environment, []);

        Assert.Null(host.App.Configuration[WebHostDefaults.ServerUrlsKey]);
        await host.InitializeAsync();
        var address = new Uri(Assert.Single(host.App.Urls));
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(8080, address.Port);
    }

    // ASPNETCORE_HTTP_PORTS listens on every interface, so this test checks what the host is told rather than binding:
    // any URLs (such as the appliance's default) would make Kestrel ignore the ports.
    [Fact]
    public async Task ASPNETCORE_HTTP_PORTS_is_left_to_kestrel_without_a_default_url()
    {
        await using var host = BroadcastHost.BuildWithEnvironment(new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = "8089" }, []);

        Assert.Equal("8089", host.App.Configuration[WebHostDefaults.HttpPortsKey]);
        Assert.Null(host.App.Configuration[WebHostDefaults.ServerUrlsKey]);
    }

    // The default listens on every interface, so this test checks what the host is told rather than binding it.
    [Fact]
    public async Task Without_any_listen_setting_the_appliance_listens_on_port_8080()
    {
        await using var host = BroadcastHost.BuildWithEnvironment(new Dictionary<string, string>(), []);

        Assert.Equal("http://0.0.0.0:8080", host.App.Configuration[WebHostDefaults.ServerUrlsKey]);
    }

    [Fact]
    public void The_shipped_settings_file_leaves_the_listen_address_to_the_environment()
    {
        // appsettings.json is read after the ASPNETCORE_ variables: a Urls key there would beat ASPNETCORE_URLS.
        var settings = AppSettingsFile.Load();

        Assert.Null(settings[WebHostDefaults.ServerUrlsKey]);
        Assert.Null(settings[WebHostDefaults.HttpPortsKey]);
        Assert.Null(settings[WebHostDefaults.HttpsPortsKey]);
        Assert.False(settings.GetSection("Kestrel").Exists());
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5000", true)]
    [InlineData("http_ports", "80", true)]
    [InlineData("https_ports", "443", true)]
    [InlineData("Kestrel:Endpoints:Api:Url", "http://127.0.0.1:5000", true)]
    [InlineData("urls", "", false)]
    [InlineData("Kestrel:Limits:MaxRequestBodySize", "1000", false)]
    public void A_listen_address_counts_as_configured_in_any_of_aspnetcores_keys(string key, string value, bool configured)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build();

        Assert.Equal(configured, DefaultListenAddress.IsConfigured(configuration));
    }
}
