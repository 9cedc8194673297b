using System.Text;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// Media leaving a transport, as mediasoup's SimpleConsumer: its own SSRC, its own payload type and its own gapless
/// sequence numbers. After creation, resume or its transport connecting it waits for a key frame (video) and asks
/// for one. It answers its receiver's RTCP (Consumer.Rtcp.cs): NACKs from the producer's retransmission buffer,
/// key frame requests, receiver reports and REMB into its statistics.
/// </summary>
public sealed partial class Consumer
{
    private readonly uint _ssrc;
    private readonly byte _payloadType;
    private readonly TimeProvider _time;
    private readonly byte[]? _mid;
    private readonly int _midExtensionId;
    private readonly int _absSendTimeExtensionId;
    private readonly byte[] _cname;
    private bool _syncRequired = true;
    private bool _everSent;
    private ushort _sequenceOffset;
    private ushort _lastSequence;
    // Packets sent since the last (re)sync, up to what the retransmission buffer holds: only those map back to the
    // producer's sequence numbers through the current offset.
    private int _epochPackets;
    private uint _lastInputSsrc;
    private const short SyncGuardPackets = 1000;
    private ushort _syncInputSequence;
    private bool _guardingSyncPoint;
    private long _lastSenderReportTicks;
    // The line our sender reports follow (SendSenderReport): this stream's RTP clock read _lineRtp at _lineTicks.
    private long _lineTicks;
    private uint _lineRtp;
    // A packet this far behind the line re-anchors it: the source's clock went back (or a stall too long to ride out).
    private const long MaxLatenessSeconds = 5;
    // The line follows a source clock slower than ours by up to 1 ms a second (1000 ppm).
    private const long DriftAllowance = 1000;

    internal Consumer(string id, Transport transport, Producer producer, RtpParameters rtpParameters, bool paused, TimeProvider time)
    {
        Id = id;
        Transport = transport;
        Producer = producer;
        RtpParameters = rtpParameters;
        Paused = paused;
        _time = time;
        _ssrc = rtpParameters.Encodings[0].Ssrc!.Value;
        var media = rtpParameters.Codecs[0];
        _payloadType = (byte)media.PayloadType;
        ClockRate = media.ClockRate;
        NackEnabled = media.RtcpFeedback.Any(f => f.Type == "nack" && string.IsNullOrEmpty(f.Parameter));
        _mid = rtpParameters.Mid is { Length: > 0 } mid ? Encoding.ASCII.GetBytes(mid) : null;
        _midExtensionId = rtpParameters.HeaderExtensions.FirstOrDefault(e => e.Uri == RtpHeaderExtensionUri.Mid)?.Id ?? 0;
        _absSendTimeExtensionId = rtpParameters.HeaderExtensions.FirstOrDefault(e => e.Uri == RtpHeaderExtensionUri.AbsSendTime)?.Id ?? 0;
        _cname = Encoding.UTF8.GetBytes(rtpParameters.Rtcp.Cname ?? "");
        if (_cname.Length > byte.MaxValue)
        {
            _cname = _cname[..byte.MaxValue];
        }

        if (rtpParameters.Encodings[0].Rtx is { } rtx && rtpParameters.Codecs.FirstOrDefault(c => Ortc.IsRtx(c.MimeType)) is { } rtxCodec)
        {
            _rtxSsrc = rtx.Ssrc;
            _rtxPayloadType = (byte)rtxCodec.PayloadType;
        }

        if (NackEnabled)
        {
            _resentSequences = new ushort[ResendMemory];
            _resentAt = new long[ResendMemory];
            _scratch = new byte[RetransmissionBuffer.MaxPacketLength + 2];
        }

        CreatedAt = time.GetUtcNow();
    }

    public string Id { get; }
    public Transport Transport { get; }
    public Producer Producer { get; }
    public string ProducerId => Producer.Id;
    public string Kind => Producer.Kind;
    public string Type => "simple";
    public RtpParameters RtpParameters { get; }
    public uint Ssrc => _ssrc;

    /// <summary>The SSRC of retransmissions (RTX), when the receiver negotiated RTX.</summary>
    public uint? RtxSsrc => _rtxPayloadType == 0 ? null : _rtxSsrc;

    public int ClockRate { get; }

    /// <summary>The receiver negotiated generic NACK: lost packets are resent from the producer's buffer.</summary>
    public bool NackEnabled { get; }

    public bool Paused { get; private set; }
    public bool ProducerPaused => Producer.Paused;
    public bool IsClosed { get; private set; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Why the consumer closed, once it has.</summary>
    public ConsumerCloseReason? CloseReason { get; private set; }

    /// <summary>Raised once, on the worker, when the consumer closes (its producer closed, its transport closed, or the API closed it).</summary>
    public event Action<Consumer, ConsumerCloseReason>? Closed;

    public long PacketsSent { get; private set; }
    public long BytesSent { get; private set; }
    public long PacketsDroppedWaitingForKeyFrame { get; private set; }

    /// <summary>Packets the transport did not send: not connected yet, or the socket refused them (no queue is involved).</summary>
    public long PacketsNotSent { get; private set; }
    public long SenderReportsSent { get; private set; }

    /// <summary>Ticks of the last packet sent, 0 when none was.</summary>
    public long LastPacketTicks { get; private set; }

    /// <summary>Sends one packet of the producer, rewriting PT, SSRC, sequence number and MID in place. Hot path: no allocation.</summary>
    internal void SendRtp(Span<byte> packet, in RtpHeader header, bool keyFrame)
    {
        if (Paused || IsClosed)
        {
            return;
        }

        var sequence = header.SequenceNumber;
        if (_syncRequired)
        {
            if (Producer.IsVideo && !keyFrame)
            {
                PacketsDroppedWaitingForKeyFrame++;
                return;
            }

            // Continue our own numbering from where it stopped, so the receiver sees no gap.
            _sequenceOffset = _everSent ? (ushort)(_lastSequence + 1 - sequence) : (ushort)0;
            _epochPackets = 0;
            _syncInputSequence = sequence;
            _guardingSyncPoint = true;
            _syncRequired = false;
            _lastSenderReportTicks = 0;
        }
        else if (_guardingSyncPoint)
        {
            var sinceSync = (short)(sequence - _syncInputSequence);
            if (sinceSync < 0)
            {
                return; // a late packet from before the one we synchronised on
            }

            // Far enough past the sync point that no late packet from before it can arrive; stop comparing, or the
            // 16-bit distance would wrap after 32768 packets and drop everything.
            _guardingSyncPoint = sinceSync < SyncGuardPackets;
        }

        var now = _time.GetTimestamp();
        if (_lastSenderReportTicks == 0 || now - _lastSenderReportTicks >= _time.TimestampFrequency)
        {
            SendSenderReport(now, header.Timestamp);
        }

        var outputSequence = (ushort)(sequence + _sequenceOffset);
        RtpHeader.WritePayloadType(packet, _payloadType);
        RtpHeader.WriteSsrc(packet, _ssrc);
        RtpHeader.WriteSequenceNumber(packet, outputSequence);
        var blankMid = StampExtensions(packet, in header, shared: true);
        _lastInputSsrc = header.Ssrc;
        if (!(blankMid ? Transport.SendRtp(packet, _midExtensionId) : Transport.SendRtp(packet)))
        {
            PacketsNotSent++;
            return;
        }

        if (!_everSent || (short)(outputSequence - _lastSequence) > 0)
        {
            _lastSequence = outputSequence;
        }

        _everSent = true;
        if (_epochPackets < RetransmissionBuffer.Capacity)
        {
            _epochPackets++;
        }

        PacketsSent++;
        BytesSent += packet.Length;
        LastPacketTicks = now;
    }

    /// <summary>
    /// Our MID where the receiver negotiated the MID extension (browsers demultiplex a bundle by it; the packet carries
    /// the publisher's), and the send time in abs-send-time. A MID of another length cannot be written in place; the
    /// element must then be blanked, and the receiver finds the stream by its SSRC, which its SDP names. In the packet
    /// every consumer of the producer shares (<paramref name="shared"/>) that is left to the transport's own copy, so
    /// the consumers after this one still find the element: true is returned for it.
    /// </summary>
    private bool StampExtensions(Span<byte> packet, in RtpHeader header, bool shared)
    {
        if (!header.HasExtension)
        {
            return false;
        }

        var blankMid = false;
        // A consumer without a mid (plain transports) leaves the element to the WebRTC consumers after it.
        if (_mid is not null && _midExtensionId != 0 && RtpHeaderExtensions.TryFindRange(packet, in header, _midExtensionId, out var offset, out var length))
        {
            if (_mid.Length == length)
            {
                _mid.CopyTo(packet[offset..]);
            }
            else if (shared)
            {
                blankMid = true;
            }
            else
            {
                RtpHeaderExtensions.Blank(packet, in header, _midExtensionId);
            }
        }

        if (_absSendTimeExtensionId != 0
            && RtpHeaderExtensions.TryFindRange(packet, in header, _absSendTimeExtensionId, out offset, out length) && length == 3)
        {
            // 6.18 fixed-point seconds, 24 bits (the wall clock's fraction is all that matters to the receiver).
            var sinceEpoch = _time.GetUtcNow().UtcTicks;
            var value = (uint)(((sinceEpoch % (64 * TimeSpan.TicksPerSecond)) << 18) / TimeSpan.TicksPerSecond);
            packet[offset] = (byte)(value >> 16);
            packet[offset + 1] = (byte)(value >> 8);
            packet[offset + 2] = (byte)value;
        }

        return blankMid;
    }

    /// <summary>
    /// Sends a sender report (and our CNAME in an SDES, as RFC 3550 asks of every compound packet) for our SSRC that
    /// pairs the wall clock now with where this stream's RTP clock is now: one right before the first packet after a
    /// (re)sync, then one a second. Receivers map RTP time to wall-clock time from these reports to line audio up with
    /// video (FFmpeg re-times every packet from the last report), and compute their round-trip time from them. Arrival
    /// time is used rather than the source's own reports, which some senders (FFmpeg among them) fill from a clock
    /// their packets do not follow; but a packet's arrival carries every stall before it, so the RTP time reported is
    /// read off a line through the earliest arrivals (<see cref="RtpTimestampNow"/>), not off the packet at hand: a
    /// packet held up for a second would otherwise shift its stream's timeline a second against the other's.
    /// </summary>
    private void SendSenderReport(long now, uint rtpTimestamp)
    {
        var wallClock = _time.GetUtcNow();
        var ntp = ToNtp(wallClock);
        var reportedRtp = RtpTimestampNow(now, rtpTimestamp, out var lineTicks);
        var report = new SenderReport
        {
            Ssrc = _ssrc,
            NtpTimestamp = ntp,
            RtpTimestamp = reportedRtp,
            PacketCount = (uint)PacketsSent,
            OctetCount = (uint)BytesSent,
        };
        Span<byte> buffer = stackalloc byte[SenderReport.LengthWithoutBlocks + 12 + byte.MaxValue];
        if (!report.TryWrite(buffer, out var written))
        {
            return;
        }

        if (_cname.Length > 0 && SourceDescription.TryWriteCname(buffer[written..], _ssrc, _cname, out var sdes))
        {
            written += sdes;
        }

        if (Transport.SendRtcp(buffer[..written]))
        {
            SenderReportsSent++;
            _lastSenderReportTicks = now;
            _lineTicks = lineTicks;
            _lineRtp = rtpTimestamp;
        }
    }

    /// <summary>
    /// This stream's RTP time at <paramref name="now"/>, read off a line through the earliest of the packets our reports
    /// ride on, moved by the one now leaving (RTP time <paramref name="rtpTimestamp"/>) to <paramref name="lineTicks"/>
    /// (kept by the caller once the report is sent): anchored on the first packet after a (re)sync; moved earlier at once
    /// by a packet ahead of it (the anchor itself had been held up); moved later by at most 1 ms a second by late
    /// packets, so that a stall barely moves it and a slow source clock is followed; re-anchored by a packet more than
    /// <see cref="MaxLatenessSeconds"/> late: a source whose clock went back, or a stall that long, which then shifts
    /// the timeline as it happened. A clock going back less than that is taken for a stall: the reports run ahead of its
    /// packets and catch up 1 ms a second.
    /// </summary>
    private uint RtpTimestampNow(long now, uint rtpTimestamp, out long lineTicks)
    {
        var frequency = _time.TimestampFrequency;
        if (_lastSenderReportTicks == 0)
        {
            lineTicks = now;
        }
        else
        {
            var onTheLine = _lineTicks + (int)(rtpTimestamp - _lineRtp) * frequency / ClockRate;
            var late = now - onTheLine;
            lineTicks = late < 0 || late > MaxLatenessSeconds * frequency
                ? now
                : onTheLine + Math.Min(late, (now - _lastSenderReportTicks) / DriftAllowance);
        }

        return rtpTimestamp + (uint)((now - lineTicks) * ClockRate / frequency);
    }

    /// <summary>NTP format: seconds since 1900 in the high 32 bits, the fraction in the low 32.</summary>
    internal static ulong ToNtp(DateTimeOffset time)
    {
        var sinceEpoch = time - NtpEpoch;
        var seconds = (ulong)sinceEpoch.Ticks / TimeSpan.TicksPerSecond;
        var fraction = ((ulong)sinceEpoch.Ticks % TimeSpan.TicksPerSecond << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    private static readonly DateTimeOffset NtpEpoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task PauseAsync() => Transport.Worker.InvokeAsync(Pause);

    public Task ResumeAsync() => Transport.Worker.InvokeAsync(Resume);

    public Task CloseAsync() => Transport.Worker.InvokeAsync(Close);

    public Task RequestKeyFrameAsync() => Transport.Worker.InvokeAsync(RequestKeyFrame);

    internal void Pause() => Paused = true;

    internal void Resume()
    {
        if (!Paused)
        {
            return;
        }

        Paused = false;
        _syncRequired = true;
        RequestKeyFrame();
    }

    /// <summary>The transport can now deliver (WebRTC: DTLS done): start from a key frame, as mediasoup does.</summary>
    internal void OnTransportConnected()
    {
        _syncRequired = true;
        if (!Paused)
        {
            RequestKeyFrame();
        }
    }

    /// <summary>Asks the producer's source for a key frame (requests from many consumers collapse there).</summary>
    public void RequestKeyFrame()
    {
        if (!IsClosed && Producer.IsVideo)
        {
            Producer.RequestKeyFrame();
        }
    }

    /// <summary>The producer closed: close too and tell our transport.</summary>
    internal void CloseFromProducer()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        Transport.OnConsumerClosed(this);
        RaiseClosed(ConsumerCloseReason.ProducerClosed);
    }

    /// <summary>Closed by the API or by its transport.</summary>
    internal void Close() => Close(ConsumerCloseReason.Closed);

    internal void Close(ConsumerCloseReason reason)
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        Producer.RemoveConsumer(this);
        Transport.OnConsumerClosed(this);
        RaiseClosed(reason);
    }

    private void RaiseClosed(ConsumerCloseReason reason)
    {
        CloseReason = reason;
        var handlers = Closed;
        Closed = null;
        handlers?.Invoke(this, reason);
    }
}

/// <summary>Why a consumer closed.</summary>
public enum ConsumerCloseReason
{
    /// <summary>Closed through the API or by its owner.</summary>
    Closed,

    /// <summary>Its producer closed (the publisher left).</summary>
    ProducerClosed,

    /// <summary>Its transport closed (the viewer left: consent lost, DTLS closed, transport deleted).</summary>
    TransportClosed,
}
