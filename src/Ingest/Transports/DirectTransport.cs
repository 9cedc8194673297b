using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>Receives what a <see cref="DirectTransport"/>'s consumers send, on the router's worker, as they send it.</summary>
public interface IDirectTransportSink
{
    /// <summary>An RTP packet of one of the transport's consumers (its SSRC and payload type); valid during the call only.</summary>
    void OnRtp(ReadOnlySpan<byte> packet);

    /// <summary>An RTCP compound the consumers send (sender reports); valid during the call only.</summary>
    void OnRtcp(ReadOnlySpan<byte> packet);
}

/// <summary>
/// A transport inside the appliance (mediasoup's DirectTransport): its consumers hand their packets to a sink in the
/// same process, on the router's worker, with no socket in between. The HLS pipeline's own muxer consumes through one.
/// </summary>
public sealed class DirectTransport : Transport
{
    internal DirectTransport(string id, Router router)
        : base(id, router)
    {
    }

    /// <summary>Where the consumers' packets go; none drops them (counted as not connected).</summary>
    public IDirectTransportSink? Sink { get; set; }

    public override string Type => "direct";

    public override bool CanConsume => true;

    public override bool IsConnected => true;

    protected internal override bool SendRtp(ReadOnlySpan<byte> packet)
    {
        if (Sink is not { } sink || IsClosed)
        {
            DroppedNotConnected++;
            return false;
        }

        RtpPacketsSent++;
        BytesSent += packet.Length;
        sink.OnRtp(packet);
        return true;
    }

    protected internal override bool SendRtcp(ReadOnlySpan<byte> packet)
    {
        if (Sink is not { } sink || IsClosed)
        {
            return false;
        }

        RtcpPacketsSent++;
        sink.OnRtcp(packet);
        return true;
    }

    protected override void ReleaseResources() => Sink = null;
}
