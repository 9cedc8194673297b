using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Contracts;

/// <summary>A consumer: what it sends (its own SSRC, the router's payload type) and whether it or its producer is paused.</summary>
public sealed record ConsumerResponse(
    string Id,
    string TransportId,
    string ProducerId,
    string Kind,
    string Type,
    RtpParameters RtpParameters,
    bool Paused,
    bool ProducerPaused,
    DateTimeOffset CreatedAt,
    ConsumerStats Stats)
{
    /// <summary>Reads the consumer; call on its worker.</summary>
    public static ConsumerResponse From(Consumer consumer) => new(
        consumer.Id,
        consumer.Transport.Id,
        consumer.ProducerId,
        consumer.Kind,
        consumer.Type,
        consumer.RtpParameters,
        consumer.Paused,
        consumer.ProducerPaused,
        consumer.CreatedAt,
        new ConsumerStats(consumer.PacketsSent, consumer.BytesSent, consumer.PacketsDroppedWaitingForKeyFrame,
            consumer.PacketsNotSent, consumer.SenderReportsSent));
}

/// <summary>Packets and bytes sent; packets held back until a key frame, or not sent by the transport (not connected yet, or refused by the socket); sender reports sent.</summary>
public sealed record ConsumerStats(long Packets, long Bytes, long DroppedWaitingForKeyFrame, long DroppedNotSent, long SenderReports);
