namespace Broadcast.Api.State;

/// <summary>
/// Where state lives. With ConnectionStrings:Broadcast (env ConnectionStrings__Broadcast)
/// set: PostgreSQL for channels, job runs and Hangfire; without it the embedded default keeps everything in memory.
/// </summary>
public sealed class StateOptions
{
    public const string ConnectionStringName = "Broadcast";

    /// <summary>Npgsql connection string, or null for the embedded default.</summary>
    public string? ConnectionString { get; set; }

    public bool UsesPostgreSql => !string.IsNullOrWhiteSpace(ConnectionString);
}
