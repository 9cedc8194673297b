using System.Text.Json.Serialization;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Ingest.Transports;

namespace Broadcast.Api.Contracts;

/// <summary>A plain RTP transport with mediasoup's fields (type "plain", tuple, rtcpTuple only without RTCP mux).</summary>
public sealed record PlainTransportResponse(
    string Id,
    string Type,
    string RouterId,
    TransportTuple Tuple,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TransportTuple? RtcpTuple,
    bool RtcpMux,
    bool Comedia,
    bool Connected,
    IReadOnlyList<string> ProducerIds,
    IReadOnlyList<string> ConsumerIds,
    DateTimeOffset CreatedAt,
    TransportStats Stats)
{
    /// <summary>Reads the transport; call on its worker.</summary>
    public static PlainTransportResponse From(PlainRtpTransport transport) => new(
        transport.Id,
        transport.Type,
        transport.Router.Id,
        transport.Tuple,
        transport.RtcpTuple,
        transport.RtcpMux,
        transport.Comedia,
        transport.IsConnected,
        [.. transport.Producers.Select(p => p.Id)],
        [.. transport.Consumers.Select(c => c.Id)],
        transport.CreatedAt,
        TransportStats.From(transport, transport.DroppedUnknownSource));
}

/// <summary>A WebRTC transport: what mediasoup-client's createSendTransport needs, and its ICE/DTLS state.</summary>
public sealed record WebRtcTransportResponse(
    string Id,
    string Type,
    string RouterId,
    IceParameters IceParameters,
    IReadOnlyList<IceCandidate> IceCandidates,
    DtlsParameters DtlsParameters,
    string IceState,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IceSelectedTuple,
    string DtlsState,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SrtpProfile,
    bool Connected,
    IReadOnlyList<string> ProducerIds,
    IReadOnlyList<string> ConsumerIds,
    DateTimeOffset CreatedAt,
    TransportStats Stats)
{
    /// <summary>Reads the transport; call on its worker.</summary>
    public static WebRtcTransportResponse From(WebRtcTransport transport) => new(
        transport.Id,
        transport.Type,
        transport.Router.Id,
        transport.IceParameters,
        transport.Candidates,
        transport.DtlsParameters,
        transport.IceState.ToString().ToLowerInvariant(),
        transport.IceSelectedTuple,
        transport.DtlsState.ToString().ToLowerInvariant(),
        transport.SrtpProfile,
        transport.IsConnected,
        [.. transport.Producers.Select(p => p.Id)],
        [.. transport.Consumers.Select(c => c.Id)],
        transport.CreatedAt,
        TransportStats.From(transport, transport.DroppedBeforeConnected));
}

/// <summary>The transport of a camera channel's current RTSP session (type "rtsp"): media in, RTCP out.</summary>
public sealed record RtspTransportResponse(
    string Id,
    string Type,
    string RouterId,
    bool Connected,
    IReadOnlyList<string> ProducerIds,
    IReadOnlyList<string> ConsumerIds,
    DateTimeOffset CreatedAt,
    TransportStats Stats)
{
    /// <summary>Reads the transport; call on its worker.</summary>
    public static RtspTransportResponse From(RtspSourceTransport transport) => new(
        transport.Id,
        transport.Type,
        transport.Router.Id,
        transport.IsConnected,
        [.. transport.Producers.Select(p => p.Id)],
        [.. transport.Consumers.Select(c => c.Id)],
        transport.CreatedAt,
        TransportStats.From(transport, transport.DroppedUnknownSource));
}

/// <summary>
/// A transport inside the appliance (type "direct", as mediasoup's DirectTransport): the HLS pipeline's own muxer
/// consumes the channel's producers through it, with no socket.
/// </summary>
public sealed record DirectTransportResponse(
    string Id,
    string Type,
    string RouterId,
    IReadOnlyList<string> ConsumerIds,
    DateTimeOffset CreatedAt,
    TransportStats Stats)
{
    /// <summary>Reads the transport; call on its worker.</summary>
    public static DirectTransportResponse From(DirectTransport transport) => new(
        transport.Id,
        transport.Type,
        transport.Router.Id,
        [.. transport.Consumers.Select(c => c.Id)],
        transport.CreatedAt,
        TransportStats.From(transport, 0));
}

/// <summary>What went in and out of a transport, and what it dropped.</summary>
public sealed record TransportStats(
    long RtpPacketsReceived,
    long RtcpPacketsReceived,
    long BytesReceived,
    long RtpPacketsSent,
    long RtcpPacketsSent,
    long BytesSent,
    TransportDrops Drops)
{
    public static TransportStats From(Transport transport, long droppedUnknownSource) => new(
        transport.RtpPacketsReceived,
        transport.RtcpPacketsReceived,
        transport.BytesReceived,
        transport.RtpPacketsSent,
        transport.RtcpPacketsSent,
        transport.BytesSent,
        new TransportDrops(transport.DroppedMalformed, transport.DroppedUnknownStream, transport.DroppedNotConnected,
            droppedUnknownSource, transport.SendErrors));
}

/// <summary>Datagrams dropped: not RTP/RTCP, no producer for the SSRC, before connect, from another source; failed sends.</summary>
public sealed record TransportDrops(long Malformed, long UnknownStream, long NotConnected, long UnknownSource, long SendErrors);
