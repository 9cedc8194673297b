using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// Media leaving a transport, as mediasoup's SimpleConsumer: its own SSRC, the router's payload type and its own
/// gapless sequence numbers. After creation or resume it waits for a key frame (video) and asks for one.
/// </summary>
public sealed class Consumer
{
    private readonly uint _ssrc;
    private readonly TimeProvider _time;
    private bool _syncRequired = true;
    private bool _everSent;
    private ushort _sequenceOffset;
    private ushort _lastSequence;
    private const short SyncGuardPackets = 1000;
    private ushort _syncInputSequence;
    private bool _guardingSyncPoint;
    private uint _lastTimestamp;

    internal Consumer(string id, Transport transport, Producer producer, RtpParameters rtpParameters, bool paused, TimeProvider time)
    {
        Id = id;
        Transport = transport;
        Producer = producer;
        RtpParameters = rtpParameters;
        Paused = paused;
        _time = time;
        _ssrc = rtpParameters.Encodings[0].Ssrc!.Value;
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
    public bool Paused { get; private set; }
    public bool ProducerPaused => Producer.Paused;
    public bool IsClosed { get; private set; }
    public DateTimeOffset CreatedAt { get; }

    public long PacketsSent { get; private set; }
    public long BytesSent { get; private set; }
    public long PacketsDroppedWaitingForKeyFrame { get; private set; }

    /// <summary>Packets the transport did not send: not connected yet, or the socket refused them (no queue is involved).</summary>
    public long PacketsNotSent { get; private set; }
    public long SenderReportsSent { get; private set; }

    /// <summary>Ticks of the last packet sent, 0 when none was.</summary>
    public long LastPacketTicks { get; private set; }

    /// <summary>Sends one packet of the producer, rewriting PT, SSRC and sequence number in place. Hot path: no allocation.</summary>
    internal void SendRtp(Span<byte> packet, in RtpHeader header, byte payloadType, bool keyFrame)
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
        RtpHeader.WritePayloadType(packet, payloadType);
        RtpHeader.WriteSsrc(packet, _ssrc);
        RtpHeader.WriteSequenceNumber(packet, outputSequence);
        if (!Transport.SendRtp(packet))
        {
            PacketsNotSent++;
            return;
        }

        if (!_everSent || (short)(outputSequence - _lastSequence) > 0)
        {
            _lastSequence = outputSequence;
        }

        _everSent = true;
        _lastTimestamp = header.Timestamp;
        PacketsSent++;
        BytesSent += packet.Length;
        LastPacketTicks = now;
    }

    /// <summary>
    /// Sends a sender report for our SSRC that pairs the packet about to leave with the wall clock now, as mediasoup
    /// does: one right before the first packet after a (re)sync, then one a second. FFmpeg maps RTP time to wall-clock
    /// time from these reports to line audio up with video. Arrival time is used rather than the source's own reports,
    /// which some senders (FFmpeg among them) fill from a clock their packets do not follow.
    /// </summary>
    private void SendSenderReport(long now, uint rtpTimestamp)
    {
        var wallClock = _time.GetUtcNow();
        var report = new SenderReport
        {
            Ssrc = _ssrc,
            NtpTimestamp = ToNtp(wallClock),
            RtpTimestamp = rtpTimestamp,
            PacketCount = (uint)PacketsSent,
            OctetCount = (uint)BytesSent,
        };
        Span<byte> buffer = stackalloc byte[SenderReport.LengthWithoutBlocks];
        if (report.TryWrite(buffer, out var written) && Transport.SendRtcp(buffer[..written]))
        {
            SenderReportsSent++;
            _lastSenderReportTicks = now;
        }
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
    private long _lastSenderReportTicks;

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

    /// <summary>Asks the producer's source for a key frame (throttled there to one a second per stream).</summary>
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
    }

    /// <summary>Closed by the API or by its transport.</summary>
    internal void Close()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        Producer.RemoveConsumer(this);
        Transport.OnConsumerClosed(this);
    }
}
