using System.Collections.Concurrent;

namespace Broadcast.Api.State;

/// <summary>The embedded default: channels live as long as the process.</summary>
public sealed class InMemoryChannelStore : IChannelStore
{
    private readonly ConcurrentDictionary<string, ChannelDefinition> _channels = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<ChannelDefinition>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ChannelDefinition>>([.. _channels.Values.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)]);

    public Task<ChannelDefinition?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_channels.GetValueOrDefault(id));

    public Task<ChannelAccess?> FindAccessAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_channels.TryGetValue(id, out var channel) ? ChannelAccess.Of(channel) : null);

    public Task<bool> TryAddAsync(ChannelDefinition channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return Task.FromResult(_channels.TryAdd(channel.Id, channel));
    }

    public Task<bool> UpdateAsync(ChannelDefinition channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        while (_channels.TryGetValue(channel.Id, out var current))
        {
            if (_channels.TryUpdate(channel.Id, channel, current))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_channels.TryRemove(id, out _));
}
