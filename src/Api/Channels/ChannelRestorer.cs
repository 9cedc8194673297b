using System.Diagnostics;
using Broadcast.Api.Cluster;
using Broadcast.Api.Logging;
using Broadcast.Api.State;

namespace Broadcast.Api.Channels;

/// <summary>What the start restored.</summary>
/// <param name="Channels">Persistent channels in the store.</param>
/// <param name="Cameras">RTSP channels whose camera session started (each connects in the background).</param>
/// <param name="Publishers">Publisher channels, waiting for their publisher.</param>
/// <param name="Failed">Channels that could not start (logged one by one).</param>
/// <param name="Elapsed">Listing the store and starting the cameras.</param>
public sealed record ChannelRestore(int Channels, int Cameras, int Publishers, int Failed, TimeSpan Elapsed);

/// <summary>
/// Restores the stored channels at start, after the media plane is up (register it after MediaServerLifetime):
/// every RTSP channel gets its router and camera session again and reconnects with its backoff; publisher channels
/// wait for their publisher. Cameras connect in the background, so unreachable ones do not hold the start up. A
/// channel that cannot start is logged and skipped; a store that cannot be read (e.g. the wrong key) stops the start.
/// </summary>
/// <remarks>With several appliances on PostgreSQL, ClusterCoordinator's first heartbeat restores what this appliance owns and <see cref="Record"/>s it.</remarks>
public sealed class ChannelRestorer(IServiceProvider services, ILogger<ChannelRestorer> logger) : IHostedService
{
    /// <summary>The start's restore, once it ran.</summary>
    public ChannelRestore? Last { get; private set; }

    /// <summary>A restore done by the cluster's first heartbeat.</summary>
    public void Record(ChannelRestore restore)
    {
        ArgumentNullException.ThrowIfNull(restore);
        Last = restore;
        logger.ChannelsRestored(restore.Channels, restore.Cameras, restore.Publishers, restore.Failed, restore.Elapsed.TotalMilliseconds);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IChannelOwnership>().IsClustered)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var store = services.GetRequiredService<IChannelStore>();
        var channels = services.GetRequiredService<ChannelService>();
        var definitions = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        int cameras = 0, publishers = 0, failed = 0;
        foreach (var definition in definitions)
        {
            if (definition.Source.IsPublisher())
            {
                publishers++;
                continue;
            }

            try
            {
                if (await channels.StartAsync(definition).ConfigureAwait(false))
                {
                    cameras++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                logger.ChannelRestoreFailed(ex, definition.Id);
            }
        }

        Last = new ChannelRestore(definitions.Count, cameras, publishers, failed, clock.Elapsed);
        logger.ChannelsRestored(definitions.Count, cameras, publishers, failed, clock.Elapsed.TotalMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
