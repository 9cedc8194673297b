namespace Broadcast.Api.Cluster;

/// <summary>The embedded default: one appliance, owner of every channel. Channels start where they are created.</summary>
public sealed class LocalOwnership(ApplianceIdentity identity) : IChannelOwnership
{
    public bool IsClustered => false;

    public ApplianceRef Self => identity.Self;

    public Task EnsureServedHereAsync(string channelId, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ApplianceRef? KnownOwnerElsewhere(string channelId) => null;

    public Task<IReadOnlyDictionary<string, ApplianceRef>> OwnersAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<string, ApplianceRef>>(new Dictionary<string, ApplianceRef>());

    public Task<ApplianceRef> PlaceAsync(string channelId, CancellationToken cancellationToken = default) => Task.FromResult(Self);

    public Task ChangedAsync(string channelId, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
