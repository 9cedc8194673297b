using System.Net.Sockets;
using Broadcast.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace Broadcast.Testing;

/// <summary>
/// The real appliance on Kestrel at 127.0.0.1 (a free port), with temporary HLS folders and a UDP port range leased
/// from <see cref="TestPorts"/>, so that hosts of tests running in parallel never share ports. Use it as an xunit class fixture or start one
/// with <see cref="StartAsync"/>; disposing stops the host and deletes its folders.
/// </summary>
public sealed class BroadcastHost : IAsyncLifetime, IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _overrides;
    private readonly PortLease _ports;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly string[] _args;
    private WebApplication? _app;
    private HttpClient? _client;
    private bool _disposed;
    private bool _started;

    public BroadcastHost()
        : this(null)
    {
    }

    // xunit class fixtures need exactly one public constructor; hosts with overrides come from StartAsync.
    private BroadcastHost(
        IReadOnlyDictionary<string, string?>? overrides, int portBlocks = 1, IReadOnlyDictionary<string, string>? environment = null, string[]? args = null)
    {
        _overrides = overrides ?? new Dictionary<string, string?>();
        _ports = TestPorts.Lease(portBlocks);
        _environment = environment;
        _args = args ?? [];
        TempRoot = Directory.CreateTempSubdirectory("broadcast-test-").FullName;
    }

    /// <summary>Temporary folder of this host; HLS folders live below it.</summary>
    public string TempRoot { get; }

    public string HlsRoot => Path.Combine(TempRoot, "hls");

    public string HlsWorkRoot => Path.Combine(TempRoot, "hls-work");

    public int MinPort => _ports.MinPort;

    public int MaxPort => _ports.MaxPort;

    public WebApplication App => _app ?? throw new InvalidOperationException("The host is not started.");

    public IServiceProvider Services => App.Services;

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public HttpClient Client => _client ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>Starts a host of its own.</summary>
    /// <param name="overrides">
    /// Configuration keys set on top of the fixture's (e.g. "Media:Workers", "Api:CorsOrigins", or
    /// "ConnectionStrings:Broadcast" and "State:SecretKey" for a host on PostgreSQL).
    /// </param>
    /// <param name="portBlocks">
    /// Blocks of <see cref="TestPorts.BlockSize"/> UDP ports for a host whose tests keep many channels with media
    /// (every HLS pipeline holds two port pairs).
    /// </param>
    public static async Task<BroadcastHost> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null, int portBlocks = 1)
    {
        var host = new BroadcastHost(overrides, portBlocks);
        try
        {
            await host.InitializeAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Builds, without starting, a host that listens where <paramref name="environment"/> and <paramref name="args"/>
    /// say, read as a real start reads the process's environment variables and command line, instead of on the
    /// fixture's 127.0.0.1:0; a test can check where it would listen before <see cref="InitializeAsync"/> starts it.
    /// </summary>
    /// <param name="environment">Stands in for the process's environment variables (e.g. ASPNETCORE_URLS).</param>
    /// <param name="args">The command line (e.g. --urls).</param>
    public static BroadcastHost BuildWithEnvironment(IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var host = new BroadcastHost(null, environment: environment, args: args);
        try
        {
            host.BuildApp();
            return host;
        }
        catch
        {
            // Nothing was built that needs stopping: only the temporary folder is left.
            Directory.Delete(host.TempRoot, recursive: true);
            throw;
        }
    }

    /// <summary>Starts the host (built first unless <see cref="BuildWithEnvironment"/> built it).</summary>
    public async Task InitializeAsync()
    {
        if (_app is null)
        {
            BuildApp();
        }

        await _app!.StartAsync();
        _started = true;
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
        _client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    private void BuildApp()
    {
        Directory.CreateDirectory(HlsRoot);
        Directory.CreateDirectory(HlsWorkRoot);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Media:Workers"] = "2",
            ["Media:ListenIp"] = "127.0.0.1",
            ["Media:MinPort"] = MinPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Media:MaxPort"] = MaxPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hls:Root"] = HlsRoot,
            ["Hls:WorkRoot"] = HlsWorkRoot,
            ["Api:LogLevel"] = "warn",
            // Only used with a database and no State:SecretKey; never the checkout's data folder.
            ["State:KeyFile"] = Path.Combine(TempRoot, "broadcast.key"),
            ["Cluster:IdFile"] = Path.Combine(TempRoot, "appliance-id"),
            // Tests run the recurring jobs when they mean to (POST /api/v1/jobs/{job}/trigger), not at a minute boundary.
            ["Jobs:CleanupCron"] = "0 0 1 1 *",
            ["Jobs:RetentionCron"] = "0 0 1 1 *",
        };
        foreach (var (key, value) in _overrides)
        {
            settings[key] = value;
        }

        if (_environment is null)
        {
            _app = BroadcastApp.Create(_args, config => config.AddInMemoryCollection(settings));
            return;
        }

        settings.Remove("Urls");
        _app = BroadcastApp.Create(_args, config =>
        {
            ReplaceEnvironmentVariables(config, _environment);
            config.AddInMemoryCollection(settings);
        });
    }

    /// <summary>
    /// Puts <paramref name="environment"/> in the place of each environment-variable source (ASP.NET Core's ASPNETCORE_
    /// and DOTNET_ prefixed ones and the unprefixed one), keyed as those sources key variables, so the test's variables
    /// keep the real sources' precedence and the process's own variables play no part.
    /// </summary>
    private static void ReplaceEnvironmentVariables(IConfigurationBuilder config, IReadOnlyDictionary<string, string> environment)
    {
        var sources = config.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource source)
            {
                var prefix = source.Prefix ?? "";
                sources[i] = new MemoryConfigurationSource
                {
                    InitialData = environment
                        .Where(variable => variable.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                        .Select(variable => KeyValuePair.Create(variable.Key[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)variable.Value))
                        .ToList(),
                };
            }
        }
    }

    /// <summary>True when nothing holds <paramref name="port"/> on 127.0.0.1 (UDP), checked by binding it.</summary>
    public static bool CanBindUdp(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _client?.Dispose();
        if (_app is not null)
        {
            // A host whose start failed has nothing to stop (and Host.StopAsync would hide the start's error).
            if (_started)
            {
                await _app.StopAsync();
            }

            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(TempRoot, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a process the test started; the OS cleans temp folders eventually.
        }
        finally
        {
            // Only now: until the host stopped, its sockets and its FFmpeg processes held these ports.
            _ports.Dispose();
        }
    }
}
