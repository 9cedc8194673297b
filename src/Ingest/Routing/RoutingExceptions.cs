namespace Broadcast.Ingest.Routing;

// API misuse throws; the host maps these to RFC 9457 problem details (400, 404, 409).

/// <summary>A request field is invalid; <see cref="Field"/> names it as a JSON path (e.g. <c>rtpParameters.codecs[0].mimeType</c>).</summary>
public sealed class InvalidFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A producer or consumer asks for a codec the router does not have.</summary>
public sealed class UnsupportedCodecException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>An object with the given id does not exist (or no longer does).</summary>
public sealed class NotFoundException(string objectKind, string id) : Exception($"{objectKind} '{id}' does not exist.")
{
    public string ObjectKind { get; } = objectKind;
    public string Id { get; } = id;
}

/// <summary>
/// A consumer was asked of a transport that cannot send media (today only plain transports can): refusing it is
/// better than a consumer whose packets are silently dropped.
/// </summary>
public sealed class TransportCannotConsumeException(string transportId, string transportType)
    : Exception($"transport '{transportId}' is a {transportType} transport, which cannot send media yet: create the consumer on a plain transport.")
{
    public string TransportId { get; } = transportId;
    public string TransportType { get; } = transportType;
}

/// <summary>The request conflicts with the current state: a duplicate id, SSRC or MID, or a closed object.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>
/// A viewer beyond the configured limit of its channel or of the appliance (Media:MaxViewersPerChannel,
/// Media:MaxViewers): the host answers 503 with Retry-After.
/// </summary>
public sealed class ViewerLimitException(string message) : Exception(message)
{
    /// <summary>When to try again: viewers come and go, a slot is likely free by then.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
}
