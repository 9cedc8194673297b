using Broadcast.Ingest.Net;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// What a router owns: media enters through producers and leaves through consumers. Concrete transports (plain RTP,
/// WebRTC) live in Transports/ and supply I/O; this class holds the routing logic they share. All members except the
/// *Async ones run on the router's worker.
/// </summary>
public abstract class Transport
{
    private readonly Dictionary<string, Producer> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Consumer> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, Consumer> _consumersBySsrc = [];
    private int _midExtensionId;
    private string? _cnameForProducers;
    private int _ridExtensionId;

    protected Transport(string id, Router router)
    {
        Id = id;
        Router = router;
        Time = router.Time;
        CreatedAt = Time.GetUtcNow();
        Feedback = new RtcpFeedbackGenerator(this, Time);
    }

    public string Id { get; }
    public Router Router { get; }
    public Worker Worker => Router.Worker;
    public DateTimeOffset CreatedAt { get; }
    public bool IsClosed { get; private set; }
    protected TimeProvider Time { get; }

    /// <summary>"plain", "webrtc" or "rtsp".</summary>
    public abstract string Type { get; }

    /// <summary>
    /// Whether consumers can send media through this transport. A transport that cannot refuses
    /// <see cref="ConsumeAsync(ConsumeOptions)"/> with <see cref="TransportCannotConsumeException"/>.
    /// </summary>
    public abstract bool CanConsume { get; }

    /// <summary>True once media can flow (plain: remote known; WebRTC: DTLS connected).</summary>
    public abstract bool IsConnected { get; }

    internal RtpListener Listener { get; } = new();

    /// <summary>The RTCP feedback (receiver reports, NACK, REMB) this transport sends about what it receives.</summary>
    protected RtcpFeedbackGenerator Feedback { get; }

    public IReadOnlyCollection<Producer> Producers => _producers.Values;
    public IReadOnlyCollection<Consumer> Consumers => _consumers.Values;

    /// <summary>The producers as their dictionary's own collection: enumerating it on the hot path does not box.</summary>
    internal Dictionary<string, Producer>.ValueCollection ProducerValues => _producers.Values;

    // Counters: wire input never throws; a bad packet is a counted drop.
    public long RtpPacketsReceived { get; private set; }
    public long RtcpPacketsReceived { get; private set; }
    public long BytesReceived { get; private set; }
    public long RtpPacketsSent { get; protected set; }
    public long RtcpPacketsSent { get; protected set; }
    public long BytesSent { get; protected set; }
    public long DroppedMalformed { get; protected set; }
    public long DroppedUnknownStream { get; private set; }
    public long DroppedNotConnected { get; protected set; }
    public long SendErrors { get; protected set; }

    /// <summary>
    /// Counts the outcome of one datagram send: a failure is counted in <see cref="SendErrors"/>, never thrown, so a
    /// receiver that went away cannot stall the publisher. True when it was sent.
    /// </summary>
    protected bool CountSend(DatagramSendResult result)
    {
        if (result == DatagramSendResult.Failed)
        {
            SendErrors++;
        }

        return result == DatagramSendResult.Sent;
    }

    public Task<Producer> ProduceAsync(string? id, string? kind, RtpParameters? rtpParameters, bool paused) =>
        Worker.InvokeAsync(() => Produce(id, kind, rtpParameters, paused));

    public Task<Consumer> ConsumeAsync(string? id, string producerId, RtpCapabilities? rtpCapabilities, bool paused) =>
        ConsumeAsync(new ConsumeOptions { Id = id, ProducerId = producerId, RtpCapabilities = rtpCapabilities, Paused = paused });

    public Task<Consumer> ConsumeAsync(ConsumeOptions options) => Worker.InvokeAsync(() => Consume(options));

    public Task CloseAsync() => Worker.InvokeAsync(Close);

    private Producer Produce(string? id, string? kind, RtpParameters? rtpParameters, bool paused)
    {
        ThrowIfClosed();
        RtpParametersValidator.ValidateProducer(kind, rtpParameters);
        // As mediasoup does: a producer without a CNAME (FFmpeg, cameras) takes the transport's, the first one given
        // or a made-up one, so that its consumers can name their SSRCs in SDP (browsers demultiplex by them).
        if (string.IsNullOrEmpty(rtpParameters!.Rtcp.Cname))
        {
            _cnameForProducers ??= Guid.NewGuid().ToString("N")[..8];
            rtpParameters = rtpParameters with { Rtcp = rtpParameters.Rtcp with { Cname = _cnameForProducers } };
        }
        else
        {
            _cnameForProducers ??= rtpParameters.Rtcp.Cname;
        }

        var mapping = Ortc.GetProducerRtpParametersMapping(rtpParameters!, Router.RtpCapabilities);
        var consumable = Ortc.GetConsumableRtpParameters(kind!, rtpParameters!, Router.RtpCapabilities, mapping);
        var producerId = Router.ReserveId(id, "producer");
        var producer = new Producer(producerId, this, kind!, rtpParameters!, mapping, consumable, paused, Time);
        try
        {
            Listener.Add(producer);
        }
        catch
        {
            Router.ReleaseId(producerId);
            throw;
        }

        _producers.Add(producer.Id, producer);
        _midExtensionId = ExtensionId(rtpParameters!, RtpHeaderExtensionUri.Mid, _midExtensionId);
        _ridExtensionId = ExtensionId(rtpParameters!, RtpHeaderExtensionUri.RtpStreamId, _ridExtensionId);
        Router.OnProducerAdded(producer);
        OnProducersChanged();
        return producer;
    }

    private Consumer Consume(ConsumeOptions options)
    {
        ThrowIfClosed();
        if (!CanConsume)
        {
            throw new TransportCannotConsumeException(Id, Type);
        }

        RtpParametersValidator.ValidateCapabilities(options.RtpCapabilities);
        var producer = Router.FindProducer(options.ProducerId) ?? throw new NotFoundException("producer", options.ProducerId);
        if (!Ortc.CanConsume(producer.ConsumableRtpParameters, options.RtpCapabilities!))
        {
            throw new UnsupportedCodecException("rtpCapabilities.codecs", $"rtpCapabilities cannot receive {producer.MimeType}.");
        }

        var parameters = Ortc.GetConsumerRtpParameters(producer.ConsumableRtpParameters, options.RtpCapabilities!);
        if (options.RemotePayloadTypes is { } remote)
        {
            parameters = Ortc.WithPayloadTypes(parameters, remote);
        }

        var mid = options.Mid ?? (NumbersConsumerMids ? (_nextConsumerMid++).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        parameters = parameters with { Mid = mid };
        var consumerId = Router.ReserveId(options.Id, "consumer");
        var admitted = false;
        Consumer consumer;
        try
        {
            if (CountsAsViewer && _consumers.Count == 0)
            {
                Router.AdmitViewer(MaxViewersPerChannel);
                admitted = true;
            }

            consumer = new Consumer(consumerId, this, producer, parameters, options.Paused, Time);
        }
        catch
        {
            if (admitted)
            {
                Router.ReleaseViewer();
            }

            Router.ReleaseId(consumerId);
            throw;
        }

        _consumers.Add(consumer.Id, consumer);
        _consumersBySsrc[consumer.Ssrc] = consumer;
        producer.AddConsumer(consumer);
        Router.OnConsumerAdded(consumer);
        if (!options.Paused)
        {
            consumer.RequestKeyFrame();
        }

        return consumer;
    }

    /// <summary>A producer was added or closed (on the worker): transports that time work by it adjust.</summary>
    protected virtual void OnProducersChanged()
    {
    }

    /// <summary>A transport with a consumer is a real-time viewer, counted against the viewer limits (WebRTC).</summary>
    protected virtual bool CountsAsViewer => false;

    /// <summary>Media:MaxViewersPerChannel, for transports that count as viewers.</summary>
    protected virtual int MaxViewersPerChannel => 0;

    /// <summary>Receivers on this kind of transport NACK what they lose (browsers): packets are kept for them from the start.</summary>
    protected internal virtual bool ExpectsNacks => false;

    /// <summary>WebRTC consumers get a mid of their own, as mediasoup numbers them; plain ones need none.</summary>
    protected virtual bool NumbersConsumerMids => false;

    private int _nextConsumerMid;

    /// <summary>The transport can deliver now (WebRTC: DTLS connected): every consumer starts again from a key frame.</summary>
    protected void OnConnectedForConsumers()
    {
        foreach (var consumer in _consumers.Values)
        {
            consumer.OnTransportConnected();
        }
    }

    /// <summary>Feeds a packet as if it had arrived from the remote peer (benchmarks drive the forwarding path with it).</summary>
    internal void DeliverRtp(Span<byte> packet) => OnRtp(packet);

    /// <summary>An RTP packet arrived from the remote peer. Hot path: parse, find the producer, forward.</summary>
    protected void OnRtp(Span<byte> packet)
    {
        RtpPacketsReceived++;
        BytesReceived += packet.Length;
        if (!RtpHeader.TryParse(packet, out var header))
        {
            DroppedMalformed++;
            return;
        }

        var producer = Listener.Find(packet, in header, _midExtensionId, _ridExtensionId);
        if (producer is null)
        {
            DroppedUnknownStream++;
            return;
        }

        producer.ReceiveRtp(packet, header);
    }

    /// <summary>An RTCP compound packet arrived: sender reports feed producers, PLI/FIR from our receivers become key frame requests.</summary>
    protected void OnRtcp(ReadOnlySpan<byte> compound)
    {
        RtcpPacketsReceived++;
        BytesReceived += compound.Length;
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out var header, out var packet))
        {
            switch (header.PacketType)
            {
                case RtcpPacketType.SenderReport when SenderReport.TryParse(packet, out var report):
                    if (FindProducerBySsrc(report.Ssrc) is { } producer)
                    {
                        producer.ReceiveSenderReport(in report);
                    }

                    break;
                case RtcpPacketType.PayloadFeedback when header.Count == PictureLossIndication.Format && PictureLossIndication.TryParse(packet, out _, out var pliSsrc):
                    FindConsumer(pliSsrc)?.ReceiveKeyFrameRequest();
                    break;
                case RtcpPacketType.PayloadFeedback when header.Count == FullIntraRequest.Format && FullIntraRequest.TryParse(packet, out _, out var firSsrc, out _):
                    FindConsumer(firSsrc)?.ReceiveKeyFrameRequest();
                    break;
                case RtcpPacketType.PayloadFeedback when header.Count == ReceiverEstimatedMaximumBitrate.Format:
                    OnEstimatedBitrate(packet);
                    break;
                case RtcpPacketType.ReceiverReport:
                    OnReceiverReport(packet);
                    break;
                case RtcpPacketType.TransportFeedback when header.Count == GenericNack.Format:
                    OnNack(packet);
                    break;
            }
        }

        if (reader.Malformed)
        {
            DroppedMalformed++;
        }
    }

    private Producer? FindProducerBySsrc(uint ssrc)
    {
        foreach (var producer in _producers.Values)
        {
            foreach (var stream in producer.Streams)
            {
                if (stream.Ssrc == ssrc)
                {
                    return producer;
                }
            }
        }

        return null;
    }

    private Consumer? FindConsumer(uint ssrc) => _consumersBySsrc.GetValueOrDefault(ssrc);

    private void OnReceiverReport(ReadOnlySpan<byte> packet)
    {
        Span<ReceptionReport> reports = stackalloc ReceptionReport[ReceiverReport.MaxReports];
        if (!ReceiverReport.TryParse(packet, out _, reports, out var count))
        {
            DroppedMalformed++;
            return;
        }

        foreach (ref readonly var report in reports[..count])
        {
            FindConsumer(report.Ssrc)?.ReceiveReceiverReport(in report);
        }
    }

    private void OnNack(ReadOnlySpan<byte> packet)
    {
        // 17 sequence numbers per FCI item; a browser names a few items at a time.
        Span<ushort> lost = stackalloc ushort[17 * 32];
        if (!GenericNack.TryParse(packet, out _, out var mediaSsrc, lost, out var count))
        {
            DroppedMalformed++;
            return;
        }

        FindConsumer(mediaSsrc)?.ReceiveNack(lost[..count]);
    }

    private void OnEstimatedBitrate(ReadOnlySpan<byte> packet)
    {
        Span<uint> ssrcs = stackalloc uint[16];
        if (!ReceiverEstimatedMaximumBitrate.TryParse(packet, out _, out var bitrate, ssrcs, out var count))
        {
            return; // another application-layer feedback
        }

        foreach (var ssrc in ssrcs[..count])
        {
            FindConsumer(ssrc)?.ReceiveEstimatedBitrate(bitrate);
        }
    }

    /// <summary>Sends RTP to the remote peer; false when it could not be queued (counted by the caller).</summary>
    protected internal abstract bool SendRtp(ReadOnlySpan<byte> packet);

    /// <summary>
    /// Sends RTP with header extension <paramref name="blankExtensionId"/> blanked in the copy that leaves (the packet
    /// itself is shared with other consumers). Transports that send the packet as it is have no mid to blank.
    /// </summary>
    protected internal virtual bool SendRtp(ReadOnlySpan<byte> packet, int blankExtensionId) => SendRtp(packet);

    /// <summary>Sends RTCP to the remote peer (its RTCP address when RTCP is not multiplexed).</summary>
    protected internal abstract bool SendRtcp(ReadOnlySpan<byte> packet);

    /// <summary>Releases sockets and timers; called once, on the worker, after producers and consumers closed.</summary>
    protected abstract void ReleaseResources();

    internal void OnProducerClosed(Producer producer)
    {
        Listener.Remove(producer);
        _producers.Remove(producer.Id);
        Router.OnProducerClosed(producer);
        OnProducersChanged();
    }

    internal void OnConsumerClosed(Consumer consumer)
    {
        if (_consumers.Remove(consumer.Id) && CountsAsViewer && _consumers.Count == 0)
        {
            Router.ReleaseViewer();
        }

        _consumersBySsrc.Remove(consumer.Ssrc);
        Router.OnConsumerClosed(consumer);
    }

    /// <summary>Closes producers, consumers and the transport's I/O. Idempotent; runs on the worker.</summary>
    internal void Close()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        foreach (var producer in _producers.Values.ToArray())
        {
            producer.Close();
        }

        foreach (var consumer in _consumers.Values.ToArray())
        {
            consumer.Close(ConsumerCloseReason.TransportClosed);
        }

        ReleaseResources();
        Router.OnTransportClosed(this);
    }

    protected void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new NotFoundException("transport", Id);
        }
    }

    private static int ExtensionId(RtpParameters parameters, string uri, int current) =>
        parameters.HeaderExtensions.FirstOrDefault(e => e.Uri == uri)?.Id ?? current;
}
