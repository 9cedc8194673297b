using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Api.State;

/// <summary>
/// Where state lives, bound from the "State" section. With ConnectionStrings:Broadcast (env ConnectionStrings__Broadcast)
/// set: PostgreSQL for channels, job runs and Hangfire; without it the embedded default keeps everything in memory.
/// </summary>
public sealed class StateOptions
{
    public const string Section = "State";
    public const string ConnectionStringName = "Broadcast";

    /// <summary>The smallest passphrase <see cref="SecretKey"/> accepts (a random base64 key is preferred).</summary>
    public const int MinPassphraseLength = 16;

    /// <summary>Npgsql connection string from ConnectionStrings:Broadcast, or null for the embedded default.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The key that encrypts camera credentials at rest: base64 of 32 random bytes, or a passphrase of at least 16
    /// characters (stretched to 256 bits with HKDF-SHA-256). Default none: <see cref="KeyFile"/> holds the key.
    /// Appliances sharing one database need the same key. Env BROADCAST_SECRET_KEY.
    /// </summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Without <see cref="SecretKey"/>: the key file, created with mode 0600 on first use. Default data/broadcast.key,
    /// relative to the content root.
    /// </summary>
    public string KeyFile { get; set; } = "data/broadcast.key";

    /// <summary>How long the start waits for an unreachable database before it fails. Default 30 s.</summary>
    public TimeSpan DatabaseWait { get; set; } = TimeSpan.FromSeconds(30);

    public bool UsesPostgreSql => !string.IsNullOrWhiteSpace(ConnectionString);

    public bool HasSecretKey => !string.IsNullOrWhiteSpace(SecretKey);

    /// <summary>Where the database is, for the log: host, port, database and user, never the password.</summary>
    public string DescribeDatabase()
    {
        if (!UsesPostgreSql)
        {
            return "(none)";
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
    }
}

/// <summary>Checks the state settings, reporting every error at once and never echoing a secret.</summary>
public sealed class StateOptionsValidator : IValidateOptions<StateOptions>
{
    public ValidateOptionsResult Validate(string? name, StateOptions options)
    {
        var errors = new List<string>();
        if (options.UsesPostgreSql)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    errors.Add("ConnectionStrings:Broadcast (ConnectionStrings__Broadcast) names no Host.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
            {
                // Npgsql's messages name the keyword, not its value.
                errors.Add($"ConnectionStrings:Broadcast (ConnectionStrings__Broadcast) is not a valid Npgsql connection string: {ex.Message}");
            }
        }

        if (options.HasSecretKey && !StateKey.IsRawKey(options.SecretKey!) && options.SecretKey!.Trim().Length < StateOptions.MinPassphraseLength)
        {
            errors.Add($"State:SecretKey (BROADCAST_SECRET_KEY) must be base64 of 32 bytes or a passphrase of at least {StateOptions.MinPassphraseLength} characters.");
        }

        if (!options.HasSecretKey && string.IsNullOrWhiteSpace(options.KeyFile))
        {
            errors.Add("State:KeyFile must name a file when State:SecretKey (BROADCAST_SECRET_KEY) is not set.");
        }

        if (options.DatabaseWait < TimeSpan.Zero || options.DatabaseWait > TimeSpan.FromMinutes(10))
        {
            errors.Add($"State:DatabaseWait must be 00:00:00..00:10:00, not {options.DatabaseWait}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
