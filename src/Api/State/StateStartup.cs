using System.Diagnostics;
using System.Net.Sockets;
using Broadcast.Api.State.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Api.State;

/// <summary>
/// Prepares the state store before any hosted service starts (it runs in <see cref="StartingAsync"/>): logs which
/// store is used and, with PostgreSQL, loads the secret key, waits for the database (up to State:DatabaseWait) and
/// applies the migrations. A failure stops the start.
/// </summary>
/// <remarks>Services are resolved when the host starts, after it validated the options.</remarks>
public sealed class StateStartup(IServiceProvider services, ILogger<StateStartup> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<StateOptions>>().Value;
        if (!options.UsesPostgreSql)
        {
            logger.StateInMemory();
            return;
        }

        var database = options.DescribeDatabase();
        logger.StateInPostgreSql(database);
        _ = services.GetRequiredService<SecretCipher>(); // a missing or unreadable key stops the start here
        var migrator = services.GetRequiredService<DatabaseMigrator>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var result = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
                logger.MigrationsApplied(result.Applied.Count, result.Applied.Count == 0 ? "up to date" : string.Join(", ", result.Applied), result.Known,
                    result.Elapsed.TotalMilliseconds, result.LockWait.TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (IsUnreachable(ex) && clock.Elapsed < options.DatabaseWait)
            {
                logger.DatabaseNotReachable(database, ex.Message, (options.DatabaseWait - clock.Elapsed).TotalSeconds);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // A server that is not up yet (container start order) or still starting; not bad credentials or SQL errors.
    private static bool IsUnreachable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections,
        NpgsqlException npgsql => npgsql.InnerException is SocketException or IOException or TimeoutException || npgsql.IsTransient,
        _ => false,
    };
}
