namespace Broadcast.Ingest.Routing;

/// <summary>What <see cref="Transport.ConsumeAsync(ConsumeOptions)"/> needs: mediasoup's transport.consume() options, and what a WHEP answer adds.</summary>
public sealed record ConsumeOptions
{
    /// <summary>The consumer's id; null for a new UUID.</summary>
    public string? Id { get; init; }

    public required string ProducerId { get; init; }

    /// <summary>What the receiver can take, in the router's payload types and extension ids (mediasoup-client's device.rtpCapabilities).</summary>
    public required RtpCapabilities? RtpCapabilities { get; init; }

    /// <summary>Created paused (mediasoup's advice for video): nothing is sent until resumed, which asks for a key frame.</summary>
    public bool Paused { get; init; }

    /// <summary>
    /// The payload types the receiver chose, by the router's (WHEP: the offer's numbers, which the answer must keep);
    /// null sends with the router's, as mediasoup does.
    /// </summary>
    public IReadOnlyDictionary<int, int>? RemotePayloadTypes { get; init; }

    /// <summary>The m-section's mid; null lets a WebRTC transport number its consumers "0", "1", … as mediasoup does.</summary>
    public string? Mid { get; init; }
}
