using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Contracts;

/// <summary>A router (channel) as the API shows it.</summary>
public sealed record RouterResponse(
    string Id,
    int WorkerIndex,
    DateTimeOffset CreatedAt,
    RtpCapabilities RtpCapabilities,
    IReadOnlyList<string> TransportIds,
    IReadOnlyList<string> ProducerIds)
{
    /// <summary>Reads the router; call on its worker.</summary>
    public static RouterResponse From(Router router) => new(
        router.Id,
        router.Worker.Index,
        router.CreatedAt,
        router.RtpCapabilities,
        [.. router.Transports.Select(t => t.Id)],
        [.. router.Producers.Select(p => p.Id)]);
}
