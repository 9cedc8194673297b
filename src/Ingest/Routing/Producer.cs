using System.Buffers.Binary;
using Broadcast.Ingest.Protocols.Codecs;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// Media entering a transport: maps the sender's payload types and SSRCs to the router's, tracks each stream, and
/// hands every packet to its consumers without waiting on them. Lives on the router's worker.
/// </summary>
public sealed class Producer
{
    private const byte UnmappedPayloadType = 0xFF;
    private static readonly TimeSpan KeyFrameRequestInterval = TimeSpan.FromSeconds(1);

    private readonly byte[] _payloadTypeMap = new byte[128];
    private readonly KeyFrameFormat _keyFrameFormat;
    private readonly int _mediaPayloadType;
    private readonly int? _rtxPayloadType;
    private readonly bool _usePli;
    private readonly bool _useNack;
    private readonly TimeProvider _time;
    private RtpStreamRecv[] _streams = [];
    private Consumer[] _consumers = [];
    private byte _firSequence;

    // Producer extension id → the router's (0: not one the router knows; blanked). Null when they already agree.
    private readonly byte[]? _extensionIdMap;

    internal Producer(string id, Transport transport, string kind, RtpParameters rtpParameters, RtpMapping mapping,
        RtpParameters consumableParameters, bool paused, TimeProvider time)
    {
        Id = id;
        Transport = transport;
        Kind = kind;
        RtpParameters = rtpParameters;
        RtpMapping = mapping;
        ConsumableRtpParameters = consumableParameters;
        Paused = paused;
        _time = time;
        CreatedAt = time.GetUtcNow();

        Array.Fill(_payloadTypeMap, UnmappedPayloadType);
        foreach (var codec in mapping.Codecs)
        {
            _payloadTypeMap[codec.PayloadType] = (byte)codec.MappedPayloadType;
        }

        var media = rtpParameters.Codecs.First(c => !Ortc.IsRtx(c.MimeType));
        _mediaPayloadType = media.PayloadType;
        _rtxPayloadType = rtpParameters.Codecs.FirstOrDefault(c => Ortc.IsRtx(c.MimeType)
            && CodecParameters.GetInteger(c.Parameters, "apt", -1) == media.PayloadType)?.PayloadType;
        MimeType = media.MimeType;
        ClockRate = media.ClockRate;
        _keyFrameFormat = media.MimeType.ToLowerInvariant() switch
        {
            "video/h264" => KeyFrameFormat.H264,
            "video/vp8" => KeyFrameFormat.Vp8,
            "video/h265" => KeyFrameFormat.H265,
            _ => KeyFrameFormat.None,
        };
        // PLI when negotiated, else FIR (RFC 5104).
        _usePli = media.RtcpFeedback.Any(f => f.Type == "nack" && f.Parameter == "pli");
        _useNack = media.RtcpFeedback.Any(f => f.Type == "nack" && string.IsNullOrEmpty(f.Parameter));
        _extensionIdMap = RouterExtensionIds(kind, rtpParameters, transport.Router.RtpCapabilities);
    }

    /// <summary>
    /// As mediasoup's MangleRtpPacket: consumers were told the router's extension ids, so packets must carry them
    /// (a browser misreads a MID or abs-send-time under another id). Extensions the router does not know are blanked.
    /// </summary>
    private static byte[]? RouterExtensionIds(string kind, RtpParameters parameters, RtpCapabilities router)
    {
        var map = new byte[256];
        var identity = true;
        foreach (var extension in parameters.HeaderExtensions)
        {
            if (extension.Id is < 1 or > 255)
            {
                continue;
            }

            var routerId = router.HeaderExtensions.FirstOrDefault(e => e.Kind == kind && e.Uri == extension.Uri)?.PreferredId ?? 0;
            map[extension.Id] = (byte)routerId;
            identity &= routerId == extension.Id;
        }

        // Ids the producer never declared are blanked too, unless every declared one already agrees and none is unknown.
        return identity && parameters.HeaderExtensions.Count > 0 ? null : map;
    }

    public string Id { get; }
    public Transport Transport { get; }
    public Router Router => Transport.Router;
    public string Kind { get; }
    public string MimeType { get; }
    public int ClockRate { get; }
    public string Type => RtpParameters.Encodings.Count > 1 ? "simulcast" : "simple";
    public RtpParameters RtpParameters { get; }
    public RtpMapping RtpMapping { get; }
    public RtpParameters ConsumableRtpParameters { get; }
    public bool Paused { get; private set; }
    public bool IsClosed { get; private set; }
    public DateTimeOffset CreatedAt { get; }
    public bool IsVideo => Kind == MediaKinds.Video;

    public IReadOnlyList<RtpStreamRecv> Streams => _streams;
    public IReadOnlyList<Consumer> Consumers => _consumers;

    public long PacketsDroppedUnknownPayloadType { get; private set; }
    public long PacketsDroppedUnknownStream { get; private set; }
    public long PacketsDroppedEmptyRtx { get; private set; }
    public long KeyFrameRequests { get; private set; }

    /// <summary>Ticks (of the router's time provider) of the last media packet, 0 when none arrived yet.</summary>
    public long LastPacketTicks { get; private set; }

    /// <summary>Receives one RTP packet (already parsed by the transport). The buffer may be rewritten in place.</summary>
    internal void ReceiveRtp(Span<byte> packet, RtpHeader header)
    {
        var now = _time.GetTimestamp();
        var stream = FindOrCreateStream(in header);
        if (stream is null)
        {
            PacketsDroppedUnknownStream++;
            return;
        }

        if (stream.RtxSsrc == header.Ssrc && header.Ssrc != stream.Ssrc)
        {
            stream.RtxPacketsReceived++;
            if (!TryUnwrapRtx(ref packet, ref header, stream))
            {
                PacketsDroppedEmptyRtx++;
                return;
            }
        }

        var mappedPayloadType = _payloadTypeMap[header.PayloadType];
        if (mappedPayloadType == UnmappedPayloadType || header.PayloadType != _mediaPayloadType)
        {
            PacketsDroppedUnknownPayloadType++;
            return;
        }

        stream.Receive(in header, packet.Length, now);
        LastPacketTicks = now;
        var keyFrame = _keyFrameFormat switch
        {
            KeyFrameFormat.H264 => H264Payload.IsKeyFrame(header.Payload(packet)),
            KeyFrameFormat.Vp8 => Vp8Payload.IsKeyFrame(header.Payload(packet)),
            KeyFrameFormat.H265 => H265Payload.IsKeyFrame(header.Payload(packet)),
            _ => false,
        };
        if (keyFrame)
        {
            stream.OnKeyFrame(now);
        }

        // A gap too old or too big to repair by NACK is repaired by a key frame.
        if (stream.Nack?.OnPacket(header.SequenceNumber, keyFrame) == true)
        {
            RequestKeyFrame();
        }

        else if (IsVideo && stream.IsKeyFrameRequestDue(now, KeyFrameRequestInterval))
        {
            SendKeyFrameRequest(stream); // one deferred, or the retry of one that brought no key frame
        }

        if (Paused)
        {
            return;
        }

        if (_extensionIdMap is not null && !RtpHeaderExtensions.Remap(packet, in header, _extensionIdMap))
        {
            PacketsDroppedMalformedExtensions++;
            return;
        }

        Retransmissions?.Store(packet, header.Ssrc, header.SequenceNumber, now);
        var consumers = _consumers;
        for (var i = 0; i < consumers.Length; i++)
        {
            consumers[i].SendRtp(packet, in header, keyFrame);
        }
    }

    /// <summary>RFC 4588: restore the original sequence number, SSRC and payload type, dropping the 2-byte OSN.</summary>
    private bool TryUnwrapRtx(ref Span<byte> packet, ref RtpHeader header, RtpStreamRecv stream)
    {
        if (header.PayloadLength < 2 || _rtxPayloadType is null || header.PayloadType != _rtxPayloadType)
        {
            return false; // padding-only probes, or RTX for a codec we did not map
        }

        var originalSequence = BinaryPrimitives.ReadUInt16BigEndian(packet[header.PayloadOffset..]);
        // Move the header forward over the OSN so the payload follows it directly.
        packet[..header.PayloadOffset].CopyTo(packet[2..]);
        packet = packet[2..];
        if (header.PaddingLength > 0)
        {
            packet = packet[..^header.PaddingLength];
            packet[0] &= 0b1101_1111; // padding removed
        }

        RtpHeader.WriteSequenceNumber(packet, originalSequence);
        RtpHeader.WriteSsrc(packet, stream.Ssrc);
        RtpHeader.WritePayloadType(packet, (byte)_mediaPayloadType);
        return RtpHeader.TryParse(packet, out header);
    }

    private RtpStreamRecv? FindOrCreateStream(in RtpHeader header)
    {
        var streams = _streams;
        for (var i = 0; i < streams.Length; i++)
        {
            if (streams[i].Ssrc == header.Ssrc || streams[i].RtxSsrc == header.Ssrc)
            {
                return streams[i];
            }
        }

        return CreateStream(in header);
    }

    // Rare path (first packet of a stream): allocation is fine here.
    private RtpStreamRecv? CreateStream(in RtpHeader header)
    {
        var encodings = RtpParameters.Encodings;
        for (var i = 0; i < RtpMapping.Encodings.Count; i++)
        {
            var encoding = i < encodings.Count ? encodings[i] : null;
            var mapped = RtpMapping.Encodings[i];
            var isMedia = header.PayloadType == _mediaPayloadType;
            if (isMedia && (encoding?.Ssrc == header.Ssrc || (encoding?.Ssrc is null && encoding?.Rid is null && _streams.Length == 0)))
            {
                return AddStream(new RtpStreamRecv(header.Ssrc, encoding?.Rtx?.Ssrc, mapped.MappedSsrc, _mediaPayloadType,
                    _rtxPayloadType, ClockRate, encoding?.Rid, _time.TimestampFrequency) { Nack = _useNack ? new NackGenerator() : null });
            }

            if (!isMedia && header.PayloadType == _rtxPayloadType)
            {
                // RTX attaches only to an existing media stream.
                foreach (var stream in _streams)
                {
                    if (stream.MappedSsrc == mapped.MappedSsrc && (encoding?.Rtx?.Ssrc == header.Ssrc || encoding?.Rtx is null))
                    {
                        stream.RtxSsrc = header.Ssrc;
                        return stream;
                    }
                }
            }
        }

        return null;
    }

    private RtpStreamRecv AddStream(RtpStreamRecv stream)
    {
        _streams = [.. _streams, stream];
        Transport.Listener.AddSsrc(stream.Ssrc, this);
        if (IsVideo)
        {
            // mediasoup asks for a key frame on every new video stream so that consumers can start at once.
            RequestKeyFrame();
        }

        return stream;
    }

    /// <summary>A sender report of the source: its NTP↔RTP pair lets consumers send sender reports of their own.</summary>
    internal void ReceiveSenderReport(in SenderReport report)
    {
        var now = _time.GetTimestamp();
        foreach (var stream in _streams)
        {
            if (stream.Ssrc != report.Ssrc)
            {
                continue;
            }

            stream.OnSenderReport(in report, now);
        }
    }

    /// <summary>Asks the source for a key frame: PLI, or FIR when PLI was not negotiated; at most once a second per stream.</summary>
    /// <summary>
    /// Asks the source for a key frame on every stream: PLI when negotiated, else FIR. Requests from many consumers
    /// collapse into one per stream per second; one asked for in between is sent when the second ends.
    /// </summary>
    public void RequestKeyFrame()
    {
        if (!IsVideo || IsClosed)
        {
            return;
        }

        KeyFrameRequests++;
        var now = _time.GetTimestamp();
        foreach (var stream in _streams)
        {
            if (stream.TryBeginKeyFrameRequest(now, KeyFrameRequestInterval))
            {
                SendKeyFrameRequest(stream);
            }
        }
    }

    private void SendKeyFrameRequest(RtpStreamRecv stream)
    {
        // mediasoup puts the media SSRC in the sender field too: some stacks reject 0.
        Span<byte> buffer = stackalloc byte[FullIntraRequest.Length];
        int written;
        var ok = _usePli
            ? PictureLossIndication.TryWrite(buffer, stream.Ssrc, stream.Ssrc, out written)
            : FullIntraRequest.TryWrite(buffer, stream.Ssrc, stream.Ssrc, ++_firSequence, out written);
        if (ok)
        {
            Transport.SendRtcp(buffer[..written]);
        }
    }

    public Task PauseAsync() => Router.Worker.InvokeAsync(Pause);

    public Task ResumeAsync() => Router.Worker.InvokeAsync(Resume);

    public Task CloseAsync() => Router.Worker.InvokeAsync(Close);

    public Task RequestKeyFrameAsync() => Router.Worker.InvokeAsync(RequestKeyFrame);

    internal void Pause() => Paused = true;

    internal void Resume()
    {
        Paused = false;
        RequestKeyFrame();
    }

    /// <summary>
    /// The last packets, kept once a WebRTC consumer that answers NACKs exists, or once any other consumer's receiver
    /// sent a NACK: a channel whose only consumer is its FFmpeg pays neither the memory nor the copy.
    /// </summary>
    internal RetransmissionBuffer? Retransmissions { get; private set; }

    internal void KeepRetransmissions() => Retransmissions ??= new RetransmissionBuffer();

    /// <summary>Packets whose header-extension block could not be read.</summary>
    public long PacketsDroppedMalformedExtensions { get; private set; }

    internal void AddConsumer(Consumer consumer)
    {
        if (consumer.NackEnabled && consumer.Transport.ExpectsNacks)
        {
            KeepRetransmissions();
        }

        _consumers = [.. _consumers, consumer];
    }

    internal void RemoveConsumer(Consumer consumer) => _consumers = [.. _consumers.Where(c => c != consumer)];

    /// <summary>Closes the producer and, in cascade, its consumers. Idempotent.</summary>
    internal void Close()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        foreach (var consumer in _consumers)
        {
            consumer.CloseFromProducer();
        }

        _consumers = [];
        Transport.OnProducerClosed(this);
    }

    private enum KeyFrameFormat
    {
        None,
        H264,
        Vp8,
        H265,
    }
}
