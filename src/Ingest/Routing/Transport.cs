using System.Net;
using System.Net.Sockets;
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
    private int _ridExtensionId;

    protected Transport(string id, Router router)
    {
        Id = id;
        Router = router;
        Time = router.Time;
        CreatedAt = Time.GetUtcNow();
    }

    public string Id { get; }
    public Router Router { get; }
    public Worker Worker => Router.Worker;
    public DateTimeOffset CreatedAt { get; }
    public bool IsClosed { get; private set; }
    protected TimeProvider Time { get; }

    /// <summary>"plain" or "webrtc".</summary>
    public abstract string Type { get; }

    /// <summary>True once media can flow (plain: remote known; WebRTC: DTLS connected).</summary>
    public abstract bool IsConnected { get; }

    internal RtpListener Listener { get; } = new();

    public IReadOnlyCollection<Producer> Producers => _producers.Values;
    public IReadOnlyCollection<Consumer> Consumers => _consumers.Values;

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
    /// Sends one datagram without blocking the worker: a full buffer or an ICMP error from an earlier send is counted in
    /// <see cref="SendErrors"/>, never thrown, so a receiver that went away cannot stall the publisher.
    /// </summary>
    protected bool TrySendTo(Socket socket, ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
            return true;
        }
        catch (SocketException)
        {
            SendErrors++;
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false; // closed meanwhile
        }
    }

    public Task<Producer> ProduceAsync(string? id, string? kind, RtpParameters? rtpParameters, bool paused) =>
        Worker.InvokeAsync(() => Produce(id, kind, rtpParameters, paused));

    public Task<Consumer> ConsumeAsync(string? id, string producerId, RtpCapabilities? rtpCapabilities, bool paused) =>
        Worker.InvokeAsync(() => Consume(id, producerId, rtpCapabilities, paused));

    public Task CloseAsync() => Worker.InvokeAsync(Close);

    private Producer Produce(string? id, string? kind, RtpParameters? rtpParameters, bool paused)
    {
        ThrowIfClosed();
        RtpParametersValidator.ValidateProducer(kind, rtpParameters);
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
        return producer;
    }

    private Consumer Consume(string? id, string producerId, RtpCapabilities? rtpCapabilities, bool paused)
    {
        ThrowIfClosed();
        RtpParametersValidator.ValidateCapabilities(rtpCapabilities);
        var producer = Router.FindProducer(producerId) ?? throw new NotFoundException("producer", producerId);
        if (!Ortc.CanConsume(producer.ConsumableRtpParameters, rtpCapabilities!))
        {
            throw new UnsupportedCodecException("rtpCapabilities.codecs", $"rtpCapabilities cannot receive {producer.MimeType}.");
        }

        var parameters = Ortc.GetConsumerRtpParameters(producer.ConsumableRtpParameters, rtpCapabilities!);
        var consumerId = Router.ReserveId(id, "consumer");
        var consumer = new Consumer(consumerId, this, producer, parameters, paused, Time);
        _consumers.Add(consumer.Id, consumer);
        _consumersBySsrc[consumer.Ssrc] = consumer;
        producer.AddConsumer(consumer);
        Router.OnConsumerAdded(consumer);
        if (!paused)
        {
            consumer.RequestKeyFrame();
        }

        return consumer;
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
                case RtcpPacketType.PayloadFeedback when header.Count == 1 && PictureLossIndication.TryParse(packet, out _, out var pliSsrc):
                    RequestKeyFrameForConsumer(pliSsrc);
                    break;
                case RtcpPacketType.PayloadFeedback when header.Count == 4 && FullIntraRequest.TryParse(packet, out _, out var firSsrc, out _):
                    RequestKeyFrameForConsumer(firSsrc);
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

    private void RequestKeyFrameForConsumer(uint mediaSsrc)
    {
        if (_consumersBySsrc.TryGetValue(mediaSsrc, out var consumer))
        {
            consumer.RequestKeyFrame();
        }
    }

    /// <summary>SSRC of the RTCP feedback this transport sends (receiver reports, NACK, REMB).</summary>
    protected uint RtcpSenderSsrc { get; } = Ortc.RandomSsrc();

    /// <summary>Round trip assumed between NACKs of the same packet (mediasoup's default).</summary>
    private const long NackRoundTripMilliseconds = 100;

    /// <summary>Sends one receiver report with a block per received stream (RFC 3550 §6.4.2).</summary>
    protected void SendReceiverReports()
    {
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[ReceiverReport.MaxReports];
        var count = 0;
        var now = Time.GetTimestamp();
        foreach (var producer in _producers.Values)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count && count < blocks.Length; i++)
            {
                blocks[count++] = streams[i].CreateReceptionReport(now, Time.TimestampFrequency);
            }
        }

        Span<byte> buffer = stackalloc byte[RtcpHeader.Length + 4 + (ReceptionReport.Length * ReceiverReport.MaxReports)];
        if (count > 0 && ReceiverReport.TryWrite(buffer, RtcpSenderSsrc, blocks[..count], out var written))
        {
            SendRtcp(buffer[..written]);
        }
    }

    /// <summary>Sends a generic NACK (RFC 4585) for every stream with packets due to be asked for again.</summary>
    protected void SendNacks()
    {
        Span<ushort> lost = stackalloc ushort[MaxNacksPerPacket];
        Span<byte> buffer = stackalloc byte[RtcpHeader.Length + 8 + (4 * MaxNacksPerPacket)];
        var nowMilliseconds = Time.GetTimestamp() * 1000 / Time.TimestampFrequency;
        foreach (var producer in _producers.Values)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count; i++)
            {
                if (streams[i].Nack is not { Pending: > 0 } nack)
                {
                    continue;
                }

                var count = nack.CollectDue(nowMilliseconds, NackRoundTripMilliseconds, lost);
                if (count > 0 && GenericNack.TryWrite(buffer, RtcpSenderSsrc, streams[i].Ssrc, lost[..count], out var written))
                {
                    SendRtcp(buffer[..written]);
                }
            }
        }
    }

    private const int MaxNacksPerPacket = 64;

    /// <summary>Tells the sender the most it may send for all its video streams (REMB).</summary>
    protected void SendEstimatedMaximumBitrate(ulong bitsPerSecond)
    {
        Span<uint> ssrcs = stackalloc uint[16];
        var count = 0;
        foreach (var producer in _producers.Values)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count && count < ssrcs.Length && producer.IsVideo; i++)
            {
                ssrcs[count++] = streams[i].Ssrc;
            }
        }

        Span<byte> buffer = stackalloc byte[ReceiverEstimatedMaximumBitrate.LengthFor(16)];
        if (count > 0 && ReceiverEstimatedMaximumBitrate.TryWrite(buffer, RtcpSenderSsrc, bitsPerSecond, ssrcs[..count], out var written))
        {
            SendRtcp(buffer[..written]);
        }
    }

    /// <summary>Sends RTP to the remote peer; false when it could not be queued (counted by the caller).</summary>
    protected internal abstract bool SendRtp(ReadOnlySpan<byte> packet);

    /// <summary>Sends RTCP to the remote peer (its RTCP address when RTCP is not multiplexed).</summary>
    protected internal abstract bool SendRtcp(ReadOnlySpan<byte> packet);

    /// <summary>Releases sockets and timers; called once, on the worker, after producers and consumers closed.</summary>
    protected abstract void ReleaseResources();

    internal void OnProducerClosed(Producer producer)
    {
        Listener.Remove(producer);
        _producers.Remove(producer.Id);
        Router.OnProducerClosed(producer);
    }

    internal void OnConsumerClosed(Consumer consumer)
    {
        _consumers.Remove(consumer.Id);
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
            consumer.Close();
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
