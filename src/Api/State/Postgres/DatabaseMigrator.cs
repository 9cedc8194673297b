using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using DbUp;
using DbUp.Engine;
using Npgsql;
using NpgsqlTypes;

namespace Broadcast.Api.State.Postgres;

/// <summary>What a migration run did.</summary>
/// <param name="Applied">Scripts applied by this run, in order (none when the database was up to date).</param>
/// <param name="Known">Scripts shipped with this build.</param>
/// <param name="LockWait">Time spent waiting for another appliance's migration to finish.</param>
/// <param name="Elapsed">The whole run, lock wait included.</param>
public sealed record MigrationResult(IReadOnlyList<string> Applied, int Known, TimeSpan LockWait, TimeSpan Elapsed);

/// <summary>
/// Applies db/migrations (embedded in this assembly as Broadcast.Api.Migrations.NNNN_what.sql) with DbUp: forward
/// only, in file-name order, each script in its own transaction, recorded by file name in <c>schema_versions</c>.
/// A session-level PostgreSQL advisory lock serialises appliances that start at once on one database: the second
/// waits, then finds nothing left to apply.
/// </summary>
public sealed partial class DatabaseMigrator(string connectionString, ILogger logger)
{
    /// <summary>pg_advisory_lock key of the migrations ("BRDCSTMG" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x4252_4443_5354_4D47;

    /// <summary>DbUp's journal table.</summary>
    public const string JournalTable = "schema_versions";

    private const string ResourcePrefix = "Broadcast.Api.Migrations.";

    /// <summary>The shipped scripts, by file name, in the order they apply.</summary>
    public static IReadOnlyList<SqlScript> Scripts { get; } = LoadScripts();

    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var waiting = Stopwatch.StartNew();
        await AdvisoryAsync(lockConnection, "pg_advisory_lock", cancellationToken).ConfigureAwait(false);
        var lockWait = waiting.Elapsed;
        try
        {
            var engine = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScripts(Scripts)
                .JournalToPostgresqlTable("public", JournalTable)
                .WithTransactionPerScript()
                // PostgreSQL's $$ quoting is not a DbUp variable.
                .WithVariablesDisabled()
                .LogTo(logger)
                .Build();
            // DbUp is synchronous; this runs once at start, before anything reads state.
            var result = await Task.Run(engine.PerformUpgrade, cancellationToken).ConfigureAwait(false);
            if (!result.Successful)
            {
                throw new InvalidOperationException(
                    $"Database migration {result.ErrorScript?.Name ?? "(journal)"} failed: {result.Error?.Message}", result.Error);
            }

            return new MigrationResult([.. result.Scripts.Select(s => s.Name)], Scripts.Count, lockWait, clock.Elapsed);
        }
        finally
        {
            // Closing the session would release it too; unlocking says so explicitly.
            await AdvisoryAsync(lockConnection, "pg_advisory_unlock", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="name"/> is a migration file name: four digits, '_', lower-case words, ".sql".</summary>
    public static bool IsScriptName(string name) => ScriptName().IsMatch(name);

    private static async Task AdvisoryAsync(NpgsqlConnection connection, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = AdvisoryLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
        // Waiting for another appliance's migration is not a timeout.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static List<SqlScript> LoadScripts()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        var scripts = new List<SqlScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!IsScriptName(name))
            {
                throw new InvalidOperationException($"db/migrations/{name} is not named NNNN_what.sql.");
            }

            scripts.Add(new SqlScript(name, Read(assembly, resource)));
        }

        scripts.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^\d{4}_[a-z0-9_]+\.sql$")]
    private static partial Regex ScriptName();
}
