namespace Broadcast.Api.State;

/// <summary>
/// The persistent channel definitions: PostgreSQL when a connection string is configured, memory otherwise.
/// Implementations are safe for concurrent use and for several appliances sharing one database.
/// </summary>
public interface IChannelStore
{
    Task<IReadOnlyList<ChannelDefinition>> ListAsync(CancellationToken cancellationToken = default);

    Task<ChannelDefinition?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// What access checks need of a channel (source, signed HLS, publish token hash), or null when it is not defined.
    /// Reads no camera credentials, so it costs no decryption and works whatever the state key.
    /// </summary>
    Task<ChannelAccess?> FindAccessAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Adds the channel; false when one with its id exists already.</summary>
    Task<bool> TryAddAsync(ChannelDefinition channel, CancellationToken cancellationToken = default);

    /// <summary>Replaces the channel with the same id; false when there is none.</summary>
    Task<bool> UpdateAsync(ChannelDefinition channel, CancellationToken cancellationToken = default);

    /// <summary>Removes the channel; false when there was none.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
