using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// One received RTP stream of a producer (one encoding): sequence tracking, loss and jitter as RFC 3550 A.1/A.8
/// compute them, key frames, and the last sender report. Mutated only on the router's worker.
/// </summary>
public sealed class RtpStreamRecv
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const uint SequenceModulo = 1 << 16;

    private bool _started;
    private ushort _maxSeq;
    private uint _cycles;
    private uint _baseSeq;
    private long _lastTransit;
    private double _jitter;
    private long _lastKeyFrameRequestTicks = long.MinValue / 2;
    private readonly long _timestampFrequency;

    /// <param name="ssrc">The sender's SSRC.</param>
    /// <param name="rtxSsrc">Its retransmission SSRC, if any.</param>
    /// <param name="mappedSsrc">The SSRC the router uses for it.</param>
    /// <param name="payloadType">The sender's media payload type.</param>
    /// <param name="rtxPayloadType">The sender's RTX payload type, if any.</param>
    /// <param name="clockRate">RTP clock rate.</param>
    /// <param name="rid">RID, if any.</param>
    /// <param name="timestampFrequency">
    /// Units per second of the <c>nowTicks</c> arguments: the TimeProvider's timestamp frequency (a Stopwatch counts
    /// nanoseconds on Linux, not TimeSpan ticks).
    /// </param>
    public RtpStreamRecv(uint ssrc, uint? rtxSsrc, uint mappedSsrc, int payloadType, int? rtxPayloadType, int clockRate, string? rid,
        long timestampFrequency = TimeSpan.TicksPerSecond)
    {
        _timestampFrequency = timestampFrequency;
        Ssrc = ssrc;
        RtxSsrc = rtxSsrc;
        MappedSsrc = mappedSsrc;
        PayloadType = payloadType;
        RtxPayloadType = rtxPayloadType;
        ClockRate = clockRate;
        Rid = rid;
    }

    public uint Ssrc { get; }
    public uint? RtxSsrc { get; internal set; }
    public uint MappedSsrc { get; }
    public int PayloadType { get; }
    public int? RtxPayloadType { get; }
    public int ClockRate { get; }
    public string? Rid { get; }

    /// <summary>Lost packets to ask for again, when the producer negotiated NACK; the transport sends the requests.</summary>
    public NackGenerator? Nack { get; init; }

    public long PacketsReceived { get; private set; }
    public long BytesReceived { get; private set; }
    public long RtxPacketsReceived { get; internal set; }
    public long KeyFrames { get; private set; }

    /// <summary>Packets with the RTP marker bit: for video, pictures received (RFC 6184 §5.1, RFC 7741 §4.1).</summary>
    public long MarkedPackets { get; private set; }
    public long KeyFrameRequestsSent { get; private set; }
    public long LastPacketTicks { get; private set; }
    public long LastKeyFrameTicks { get; private set; }

    /// <summary>Extended highest sequence number received (cycles · 65536 + max seq).</summary>
    public uint ExtendedHighestSequence => _cycles + _maxSeq;

    /// <summary>Packets expected minus packets received; negative with duplicates, as RFC 3550 allows.</summary>
    public long PacketsLost => _started ? (long)ExtendedHighestSequence - _baseSeq + 1 - PacketsReceived : 0;

    /// <summary>Interarrival jitter in RTP timestamp units.</summary>
    public uint Jitter => (uint)_jitter;

    /// <summary>Middle 32 bits of the NTP time of the last sender report, 0 before one arrived.</summary>
    public uint LastSenderReportNtpMiddle { get; private set; }
    public long LastSenderReportTicks { get; private set; }
    public ulong LastSenderReportNtp { get; private set; }
    public uint LastSenderReportRtpTimestamp { get; private set; }

    /// <summary>Accounts for a media packet; false when it should be dropped (a wild jump while resynchronising).</summary>
    public bool Receive(in RtpHeader header, int length, long nowTicks)
    {
        var seq = header.SequenceNumber;
        if (!_started)
        {
            _started = true;
            _maxSeq = seq;
            _baseSeq = seq;
            _cycles = 0;
        }
        else
        {
            var delta = (ushort)(seq - _maxSeq);
            if (delta < MaxDropout)
            {
                if (seq < _maxSeq)
                {
                    _cycles += SequenceModulo; // wrapped
                }

                _maxSeq = seq;
            }
            else if (delta <= SequenceModulo - MaxMisorder)
            {
                // A big jump: the source restarted. Restart the accounting rather than report huge loss.
                _maxSeq = seq;
                _baseSeq = seq;
                _cycles = 0;
                PacketsReceived = 0;
            }

            // else: a duplicate or reordered packet, counted but not moving max seq.
        }

        PacketsReceived++;
        BytesReceived += length;
        if (header.Marker)
        {
            MarkedPackets++; // video: the last packet of a picture, so a frame rate without parsing the payload
        }

        LastPacketTicks = nowTicks;
        UpdateJitter(header.Timestamp, nowTicks);
        return true;
    }

    private void UpdateJitter(uint rtpTimestamp, long nowTicks)
    {
        if (ClockRate <= 0)
        {
            return;
        }

        var arrival = (long)(nowTicks / (double)_timestampFrequency * ClockRate);
        var transit = arrival - rtpTimestamp;
        if (_lastTransit != 0)
        {
            var d = Math.Abs(transit - _lastTransit);
            _jitter += (d - _jitter) / 16.0;
        }

        _lastTransit = transit;
    }

    public void OnKeyFrame(long nowTicks)
    {
        // Everyone who asked so far gets this one.
        _keyFramePending = false;
        _keyFrameRequestDeferred = false;
        KeyFrames++;
        LastKeyFrameTicks = nowTicks;
    }

    public void OnSenderReport(in SenderReport report, long nowTicks)
    {
        LastSenderReportNtp = report.NtpTimestamp;
        LastSenderReportNtpMiddle = (uint)(report.NtpTimestamp >> 16);
        LastSenderReportRtpTimestamp = report.RtpTimestamp;
        LastSenderReportTicks = nowTicks;
    }

    /// <summary>
    /// Fills an RFC 3550 §6.4.1 report block for this stream: fraction lost since the previous block, cumulative loss
    /// (clamped to 24 signed bits), extended highest sequence, jitter, and LSR/DLSR from the last sender report.
    /// </summary>
    public ReceptionReport CreateReceptionReport(long nowTicks, long ticksPerSecond)
    {
        var expected = _started ? (long)ExtendedHighestSequence - _baseSeq + 1 : 0;
        var expectedInterval = expected - _expectedPrior;
        var receivedInterval = PacketsReceived - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = PacketsReceived;
        var lostInterval = expectedInterval - receivedInterval;
        var fraction = expectedInterval <= 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var delaySinceSenderReport = LastSenderReportTicks == 0
            ? 0u
            : (uint)Math.Min(uint.MaxValue, (nowTicks - LastSenderReportTicks) * 65536 / ticksPerSecond);
        return new ReceptionReport
        {
            Ssrc = Ssrc,
            FractionLost = fraction,
            CumulativeLost = (int)Math.Clamp(PacketsLost, -0x800000, 0x7FFFFF),
            ExtendedHighestSequence = ExtendedHighestSequence,
            Jitter = Jitter,
            LastSenderReport = LastSenderReportNtpMiddle,
            DelaySinceLastSenderReport = delaySinceSenderReport,
        };
    }

    private long _expectedPrior;
    private long _receivedPrior;

    /// <summary>
    /// Asked for a key frame: true (and the request counted) when one may go to the sender now, at most one per
    /// <paramref name="interval"/>. A request within the interval is not lost: it is remembered and sent when the
    /// interval ends (<see cref="IsKeyFrameRequestDue"/>), unless a key frame arrives first. So a thousand viewers
    /// joining at once cost the sender one request, and one more a second later only if someone still waits.
    /// </summary>
    public bool TryBeginKeyFrameRequest(long nowTicks, TimeSpan interval)
    {
        if (nowTicks - _lastKeyFrameRequestTicks < (long)(interval.TotalSeconds * _timestampFrequency))
        {
            _keyFrameRequestDeferred = true;
            return false;
        }

        BeginKeyFrameRequest(nowTicks);
        return true;
    }

    /// <summary>
    /// True (and the request counted) when a request is owed now: one was deferred, or the last one brought no key
    /// frame within <paramref name="interval"/> and has not been retried yet (retried once, as mediasoup does).
    /// </summary>
    public bool IsKeyFrameRequestDue(long nowTicks, TimeSpan interval)
    {
        if (!_keyFrameRequestDeferred && !(_keyFramePending && !_keyFrameRetried))
        {
            return false;
        }

        if (nowTicks - _lastKeyFrameRequestTicks < (long)(interval.TotalSeconds * _timestampFrequency))
        {
            return false;
        }

        // Still waiting for the key frame of the last request: this one is its retry, the only one it gets.
        var retry = _keyFramePending;
        BeginKeyFrameRequest(nowTicks);
        _keyFrameRetried = retry;
        return true;
    }

    /// <summary>True from a request until the key frame arrives.</summary>
    public bool KeyFrameRequestPending => _keyFramePending;

    private void BeginKeyFrameRequest(long nowTicks)
    {
        _lastKeyFrameRequestTicks = nowTicks;
        _keyFramePending = true;
        _keyFrameRetried = false;
        _keyFrameRequestDeferred = false;
        KeyFrameRequestsSent++;
    }

    private bool _keyFramePending;
    private bool _keyFrameRetried;
    private bool _keyFrameRequestDeferred;
}
