using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Contracts;

/// <summary>A producer: the sender's parameters, how they map to the router's, and per-stream statistics.</summary>
public sealed record ProducerResponse(
    string Id,
    string TransportId,
    string Kind,
    string Type,
    RtpParameters RtpParameters,
    RtpMapping RtpMapping,
    bool Paused,
    DateTimeOffset CreatedAt,
    ProducerStats Stats)
{
    /// <summary>Reads the producer; call on its worker.</summary>
    public static ProducerResponse From(Producer producer) => new(
        producer.Id,
        producer.Transport.Id,
        producer.Kind,
        producer.Type,
        producer.RtpParameters,
        producer.RtpMapping,
        producer.Paused,
        producer.CreatedAt,
        new ProducerStats(
            [.. producer.Streams.Select(ProducerStreamStats.From)],
            new ProducerDrops(producer.PacketsDroppedUnknownPayloadType, producer.PacketsDroppedUnknownStream, producer.PacketsDroppedEmptyRtx),
            producer.KeyFrameRequests));
}

public sealed record ProducerStats(IReadOnlyList<ProducerStreamStats> Streams, ProducerDrops Drops, long KeyFrameRequests);

/// <summary>One received stream; lost and jitter as RFC 3550 computes them (jitter in RTP timestamp units).</summary>
public sealed record ProducerStreamStats(
    uint Ssrc,
    uint? RtxSsrc,
    uint MappedSsrc,
    string? Rid,
    long Packets,
    long Bytes,
    long Lost,
    uint Jitter,
    long KeyFrames,
    long RtxPackets,
    long KeyFrameRequestsSent)
{
    public static ProducerStreamStats From(RtpStreamRecv stream) => new(
        stream.Ssrc,
        stream.RtxSsrc,
        stream.MappedSsrc,
        stream.Rid,
        stream.PacketsReceived,
        stream.BytesReceived,
        stream.PacketsLost,
        stream.Jitter,
        stream.KeyFrames,
        stream.RtxPacketsReceived,
        stream.KeyFrameRequestsSent);
}

/// <summary>Packets dropped: a payload type not in rtpParameters, an SSRC of no encoding, RTX without payload.</summary>
public sealed record ProducerDrops(long UnknownPayloadType, long UnknownStream, long EmptyRtx);
