namespace Broadcast.Api.Cluster;

/// <summary>An appliance as clients see it.</summary>
/// <param name="Id">Its name among the appliances sharing the database.</param>
/// <param name="Url">Its public base URL.</param>
public sealed record ApplianceRef(string Id, string Url);

/// <summary>
/// Which appliance runs a persistent channel. With PostgreSQL, the holder of the channel's lease
/// (<see cref="ClusterCoordinator"/>); in the embedded default, this one (<see cref="LocalOwnership"/>).
/// </summary>
public interface IChannelOwnership
{
    /// <summary>Several appliances may share the channels (PostgreSQL).</summary>
    bool IsClustered { get; }

    /// <summary>This appliance.</summary>
    ApplianceRef Self { get; }

    /// <summary>
    /// Returns when this appliance serves the channel: it owns it, or it took the lease because nobody held it (a
    /// channel nobody defined is always served here).
    /// </summary>
    /// <exception cref="OwnedElsewhereException">Another appliance owns it.</exception>
    Task EnsureServedHereAsync(string channelId, CancellationToken cancellationToken = default);

    /// <summary>Another appliance's, when the last heartbeat saw the channel owned there; reads no database (hot paths: HLS).</summary>
    ApplianceRef? KnownOwnerElsewhere(string channelId);

    /// <summary>Every channel's owner (persistent channels with a lease).</summary>
    Task<IReadOnlyDictionary<string, ApplianceRef>> OwnersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// After a channel was created: picks its owner (placement) and, when that is this appliance, starts what it runs.
    /// </summary>
    Task<ApplianceRef> PlaceAsync(string channelId, CancellationToken cancellationToken = default);

    /// <summary>After a channel's definition changed or was deleted: its owner applies it (this one at once, another woken).</summary>
    Task ChangedAsync(string channelId, CancellationToken cancellationToken = default);
}

/// <summary>A request for a channel another appliance owns: answered with 307 to <see cref="Owner"/>.</summary>
public sealed class OwnedElsewhereException(string channelId, ApplianceRef owner)
    : Exception($"Channel '{channelId}' runs on appliance '{owner.Id}' ({owner.Url}).")
{
    public string ChannelId { get; } = channelId;

    public ApplianceRef Owner { get; } = owner;

    /// <summary>The same request's URL at the owner: its base URL, then this request's path and query.</summary>
    public string LocationFor(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Owner.Url.TrimEnd('/') + request.PathBase + request.Path + request.QueryString;
    }
}
