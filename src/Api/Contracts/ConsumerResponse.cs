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
            consumer.PacketsNotSent, consumer.SenderReportsSent,
            consumer.RoundTripTime?.TotalMilliseconds, consumer.FractionLost, consumer.PacketsLost,
            consumer.ClockRate > 0 ? consumer.Jitter * 1000.0 / consumer.ClockRate : 0, consumer.ReceiverReports,
            consumer.NackedPackets, consumer.PacketsRetransmitted, consumer.RetransmissionsSkipped, consumer.KeyFrameRequestsReceived,
            consumer.EstimatedBitrate));
}

/// <summary>What a consumer sent and what its receiver reported back.</summary>
/// <param name="Packets">RTP packets sent (retransmissions not included).</param>
/// <param name="Bytes">Bytes of those packets.</param>
/// <param name="DroppedWaitingForKeyFrame">Packets held back after a start or resume until a key frame (video).</param>
/// <param name="DroppedNotSent">Packets the transport did not send: not connected yet, or refused by the socket (no queue is involved).</param>
/// <param name="SenderReports">RTCP sender reports sent (with the CNAME in an SDES).</param>
/// <param name="RoundTripTimeMs">Round-trip time from the receiver's last report that referred to one of our sender reports; null before one.</param>
/// <param name="FractionLost">Fraction of packets the receiver lost in its last report interval, 0–1.</param>
/// <param name="PacketsLost">Packets the receiver counts as lost, cumulative, from its last report.</param>
/// <param name="JitterMs">Interarrival jitter the receiver reported, in milliseconds.</param>
/// <param name="ReceiverReports">Receiver report blocks about this consumer.</param>
/// <param name="NackedPackets">Sequence numbers the receiver asked for again (generic NACK).</param>
/// <param name="RetransmittedPackets">Packets resent for NACKs (as RTX when negotiated).</param>
/// <param name="RetransmissionsSkipped">NACKed packets not resent: no longer held (2 s of video, 1 s of audio), or resent within the last round trip.</param>
/// <param name="KeyFrameRequests">PLI and FIR from the receiver (collapsed into one request per producer stream upstream).</param>
/// <param name="EstimatedBitrate">The receiver's last REMB estimate in bits per second; null before one.</param>
public sealed record ConsumerStats(long Packets, long Bytes, long DroppedWaitingForKeyFrame, long DroppedNotSent, long SenderReports,
    double? RoundTripTimeMs, double FractionLost, long PacketsLost, double JitterMs, long ReceiverReports, long NackedPackets,
    long RetransmittedPackets, long RetransmissionsSkipped, long KeyFrameRequests, ulong? EstimatedBitrate);
