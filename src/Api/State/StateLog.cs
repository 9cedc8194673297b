namespace Broadcast.Api.State;

/// <summary>State's log messages, event ids 1100–1149. Connection strings and keys are never logged, only where they point.</summary>
internal static partial class StateLog
{
    /// <summary>Category of DbUp's own messages during migrations.</summary>
    public const string MigrationsCategory = "Broadcast.Api.State.Migrations";

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "State store: in memory (ConnectionStrings:Broadcast is not set); channels and job runs last as long as the process")]
    public static partial void StateInMemory(this ILogger logger);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "State store: PostgreSQL at {Database}")]
    public static partial void StateInPostgreSql(this ILogger logger, string database);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information,
        Message = "Database migrations: {Applied} applied ({Scripts}), {Known} known, in {ElapsedMs:F0} ms ({LockWaitMs:F0} ms of it for the migration lock)")]
    public static partial void MigrationsApplied(this ILogger logger, int applied, string scripts, int known, double elapsedMs, double lockWaitMs);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Database {Database} not reachable yet ({Reason}); retrying for up to {RemainingSeconds:F0} s")]
    public static partial void DatabaseNotReachable(this ILogger logger, string database, string reason, double remainingSeconds);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Secrets at rest are encrypted with key {KeyId} from {Origin}")]
    public static partial void SecretKeyLoaded(this ILogger logger, string keyId, string origin);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning,
        Message = "Created key file {Path} (key {KeyId}): back it up, or set State:SecretKey (BROADCAST_SECRET_KEY); without it stored camera credentials cannot be read")]
    public static partial void KeyFileCreated(this ILogger logger, string path, string keyId);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Key file {Path} is readable or writable by other users: chmod 600 it")]
    public static partial void KeyFileOpenToOthers(this ILogger logger, string path);
}
