namespace Broadcast.Api.Jobs;

/// <summary>A router as the cleanup policy sees it.</summary>
/// <param name="Id">Router (channel) id.</param>
/// <param name="IdleSince">Since when it has had no producer; null while it has one.</param>
/// <param name="PulledSource">An RTSP camera feeds it: the source owns its life, idleness is the camera being away.</param>
/// <param name="IdleTimeout">The channel's own idle timeout, or null for the default.</param>
/// <param name="Defined">The channel is defined in the store (false for ad-hoc routers, and for channels deleted elsewhere).</param>
public sealed record RouterSnapshot(string Id, DateTimeOffset? IdleSince, bool PulledSource, TimeSpan? IdleTimeout, bool Defined = false);

/// <summary>A transport as the cleanup policy sees it.</summary>
/// <param name="Id">Transport id.</param>
/// <param name="RouterId">Its router.</param>
/// <param name="Type">"webrtc", "plain", "rtsp", ...</param>
/// <param name="IsConnected">DTLS connected (WebRTC), remote known (plain).</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record TransportSnapshot(string Id, string RouterId, string Type, bool IsConnected, DateTimeOffset CreatedAt);

/// <summary>Why the cleanup job released something.</summary>
public enum CleanupReason
{
    /// <summary>A router had no producer for longer than its idle timeout.</summary>
    Idle,

    /// <summary>A transport never connected within the connect timeout.</summary>
    NeverConnected,

    /// <summary>Left behind by a channel that no longer exists (or by an earlier run of the appliance).</summary>
    Orphan,

    /// <summary>A camera channel deleted (possibly through another appliance) whose session still runs here.</summary>
    Deleted,
}

/// <summary>Something to close: a router or a transport.</summary>
/// <param name="RouterId">The router (channel).</param>
/// <param name="TransportId">The transport, or null when the router itself goes.</param>
/// <param name="Reason">Why.</param>
public sealed record CleanupDecision(string RouterId, string? TransportId, CleanupReason Reason);

/// <summary>
/// Which runtime parts the cleanup job releases, as pure code: routers idle for longer than their timeout (not those
/// an RTSP source owns: a camera that is away is reconnected, not forgotten), camera routers whose channel is no
/// longer defined (deleted through another appliance sharing the database), and WebRTC or plain transports that never
/// connected within the connect timeout (HLS and RTSP transports are the appliance's own).
/// </summary>
public static class CleanupPolicy
{
    public static IReadOnlyList<CleanupDecision> Decide(IReadOnlyList<RouterSnapshot> routers, IReadOnlyList<TransportSnapshot> transports,
        TimeSpan defaultIdleTimeout, TimeSpan connectTimeout, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(routers);
        ArgumentNullException.ThrowIfNull(transports);
        var decisions = new List<CleanupDecision>();
        var closing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var router in routers)
        {
            if (router.PulledSource && !router.Defined)
            {
                decisions.Add(new CleanupDecision(router.Id, null, CleanupReason.Deleted));
                closing.Add(router.Id);
            }
            else if (!router.PulledSource && router.IdleSince is { } since && now - since > (router.IdleTimeout ?? defaultIdleTimeout))
            {
                decisions.Add(new CleanupDecision(router.Id, null, CleanupReason.Idle));
                closing.Add(router.Id);
            }
        }

        foreach (var transport in transports)
        {
            if (transport.Type is "webrtc" or "plain" && !transport.IsConnected && now - transport.CreatedAt > connectTimeout
                && !closing.Contains(transport.RouterId))
            {
                decisions.Add(new CleanupDecision(transport.RouterId, transport.Id, CleanupReason.NeverConnected));
            }
        }

        return decisions;
    }
}
