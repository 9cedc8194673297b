using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Broadcast.Testing;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the tests: initdb into a temporary folder, started on a free loopback port
/// with trust authentication, without durability (fsync off) and with room for many hosts' pools and listeners (500
/// connections), stopped and deleted on dispose. As root the server
/// runs as the "postgres" user (it refuses to run as root). Each test takes a database of its own from
/// <see cref="CreateDatabaseAsync"/>. Share one per test assembly through <see cref="PostgresCollection"/>.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    /// <summary>Where the server binaries are; BROADCAST_TEST_POSTGRES_BIN moves it.</summary>
    public static string BinFolder { get; } =
        Environment.GetEnvironmentVariable("BROADCAST_TEST_POSTGRES_BIN") is { Length: > 0 } bin ? bin : "/usr/lib/postgresql/15/bin";

    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private string? _root;
    private bool _started;

    public int Port { get; private set; }

    /// <summary>The maintenance database's connection string (database "postgres").</summary>
    public string AdminConnectionString => Connection("postgres");

    public async Task InitializeAsync()
    {
        var initdb = Path.Combine(BinFolder, "initdb");
        if (!File.Exists(initdb))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 server binaries are missing ({initdb} does not exist). Install them with " +
                "'sudo apt-get install -y postgresql-15' (scripts/test.sh does it when run as root), or point BROADCAST_TEST_POSTGRES_BIN at a bin folder.");
        }

        _root = Directory.CreateTempSubdirectory("broadcast-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", _root], asServiceUser: false);
        }

        var data = Path.Combine(_root, "data");
        await RunAsync(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-N"], asRoot);
        Port = FreeTcpPort();
        var options = string.Create(CultureInfo.InvariantCulture,
            $"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500");
        await RunAsync(Path.Combine(BinFolder, "pg_ctl"), ["-D", data, "-l", Path.Combine(_root, "log"), "-w", "-t", "30", "-o", options, "start"], asRoot);
        _started = true;
    }

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"t_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await command.ExecuteNonQueryAsync();
        return Connection(name);
    }

    public async Task DisposeAsync()
    {
        if (_root is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            try
            {
                await RunAsync(Path.Combine(BinFolder, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"],
                    Environment.UserName == "root");
            }
            catch (InvalidOperationException)
            {
                // already stopped
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // the OS cleans temporary folders eventually
        }
    }

    private string Connection(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            // Hosts of one test share the cluster; keep each one's pool small.
            MaxPoolSize = 20,
        }.ConnectionString;

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asServiceUser)
    {
        var startInfo = new ProcessStartInfo(asServiceUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServiceUser)
        {
            foreach (var argument in (string[])["-u", ServiceUser, "--", program])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}{await output}");
        }
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>Tests that need PostgreSQL share one cluster per test assembly; each takes a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
