using System.Runtime.CompilerServices;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Security;

/// <summary>
/// The plain RTP transports that publishers created (admitted by the channel's publish token, or as anyone on an ad-hoc
/// router in the open default). Publishers connect and produce on these only: a transport an admin created, to send a
/// channel's media somewhere say, takes admins only. Closed transports drop out with their objects.
/// </summary>
public sealed class PublisherTransports
{
    private static readonly object Marker = new();
    private readonly ConditionalWeakTable<Transport, object> _created = [];

    public void Add(Transport transport) => _created.AddOrUpdate(transport, Marker);

    public bool Contains(Transport transport) => _created.TryGetValue(transport, out _);
}

/// <summary>Request feature: the request was admitted as a channel's publisher, not as an admin (see <see cref="AdminAuthorizationHandler"/>).</summary>
public sealed class PublisherGrant
{
    private PublisherGrant()
    {
    }

    public static PublisherGrant Instance { get; } = new();
}
