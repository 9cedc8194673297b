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

    private readonly ConcurrentDictionary<string, Audience> _channels = new(StringComparer.Ordinal);

    /// <summary>A playlist request of <paramref name="channelId"/> was served to this client.</summary>
    public void Seen(string channelId, HttpContext http)
    {
        var audience = _channels.GetOrAdd(channelId, static _ => new Audience());
        var now = time.GetTimestamp();
        audience.Clients[(http.Connection.RemoteIpAddress?.ToString() ?? "", http.Request.Headers.UserAgent.ToString())] = now;
        // Forgotten as they go even when nobody asks for the count: a public channel meets many clients.
        if (time.GetElapsedTime(Interlocked.Read(ref audience.LastPruned), now) > Window)
        {
            Interlocked.Exchange(ref audience.LastPruned, now);
            Prune(audience, now);
        }
    }

    /// <summary>Clients seen within the window.</summary>
    public int Count(string channelId)
    {
        if (!_channels.TryGetValue(channelId, out var audience))
        {
            return 0;
        }

        var count = Prune(audience, time.GetTimestamp());
        if (count == 0)
        {
            _channels.TryRemove(new KeyValuePair<string, Audience>(channelId, audience));
        }

        return count;
    }

    /// <summary>Clients held for the channel, without pruning (what the tracker's memory holds).</summary>
    internal int Held(string channelId) => _channels.TryGetValue(channelId, out var audience) ? audience.Clients.Count : 0;

    // Removes clients not seen within the window; returns those left.
    private int Prune(Audience audience, long now)
    {
        var count = 0;
        foreach (var (client, seen) in audience.Clients)
        {
            if (time.GetElapsedTime(seen, now) <= Window)
            {
                count++;
            }
            else
            {
                audience.Clients.TryRemove(new KeyValuePair<(string, string), long>(client, seen));
            }
        }

        return count;
    }

    private sealed class Audience
    {
        public readonly ConcurrentDictionary<(string Address, string Agent), long> Clients = new();
        public long LastPruned;
    }
}
