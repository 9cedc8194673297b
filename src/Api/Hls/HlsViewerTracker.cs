using System.Collections.Concurrent;

namespace Broadcast.Api.Hls;

/// <summary>
/// Counts a channel's HLS viewers: distinct clients (address and User-Agent) that asked for one of its playlists in the
/// last <see cref="Window"/>. Players reload a live playlist every part or segment, so a viewer who stops is gone within
/// the window. Clients behind one address with the same browser count once: the figure is a floor.
/// </summary>
public sealed class HlsViewerTracker(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Address, string Agent), long>> _channels = new(StringComparer.Ordinal);

    /// <summary>A playlist request of <paramref name="channelId"/> was served to this client.</summary>
    public void Seen(string channelId, HttpContext http)
    {
        var clients = _channels.GetOrAdd(channelId, static _ => new());
        var key = (http.Connection.RemoteIpAddress?.ToString() ?? "", http.Request.Headers.UserAgent.ToString());
        clients[key] = time.GetTimestamp();
    }

    /// <summary>Clients seen within the window; forgets those that were not.</summary>
    public int Count(string channelId)
    {
        if (!_channels.TryGetValue(channelId, out var clients))
        {
            return 0;
        }

        var now = time.GetTimestamp();
        var count = 0;
        foreach (var (client, seen) in clients)
        {
            if (time.GetElapsedTime(seen, now) <= Window)
            {
                count++;
            }
            else
            {
                clients.TryRemove(new KeyValuePair<(string, string), long>(client, seen));
            }
        }

        if (clients.IsEmpty)
        {
            _channels.TryRemove(new KeyValuePair<string, ConcurrentDictionary<(string, string), long>>(channelId, clients));
        }

        return count;
    }
}
