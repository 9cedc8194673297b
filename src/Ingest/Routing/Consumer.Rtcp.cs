using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Routing;

// What the consumer's receiver tells it: receiver reports, NACKs, key frame requests, REMB. Runs on the worker.
public sealed partial class Consumer
{
    /// <summary>Resends remembered per sequence number (a power of two), to skip a repeat within one round trip.</summary>
    private const int ResendMemory = 1024;

    private static readonly TimeSpan DefaultRoundTripTime = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxVideoRetransmissionAge = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxAudioRetransmissionAge = TimeSpan.FromSeconds(1);

    private readonly uint _rtxSsrc;
    private readonly byte _rtxPayloadType;
    private readonly ushort[]? _resentSequences;
    private readonly long[]? _resentAt;
    private readonly byte[]? _scratch;
    private ushort _rtxSequence = (ushort)Random.Shared.Next(0, 0x8000);

    /// <summary>Round-trip time from the receiver's last report that referred to one of our sender reports.</summary>
    public TimeSpan? RoundTripTime { get; private set; }

    /// <summary>Fraction of packets lost in the receiver's last report interval, 0–1.</summary>
    public double FractionLost { get; private set; }

    /// <summary>Packets the receiver counts as lost, cumulative, from its last report.</summary>
    public long PacketsLost { get; private set; }

    /// <summary>Interarrival jitter the receiver reported, in RTP units of <see cref="ClockRate"/>.</summary>
    public uint Jitter { get; private set; }

    public long ReceiverReports { get; private set; }

    /// <summary>Sequence numbers the receiver asked for again.</summary>
    public long NackedPackets { get; private set; }

    /// <summary>Packets resent (as RTX when negotiated).</summary>
    public long PacketsRetransmitted { get; private set; }

    /// <summary>NACKed packets not resent: no longer (or never) held, too old, or already resent within one round trip.</summary>
    public long RetransmissionsSkipped { get; private set; }

    /// <summary>PLI and FIR from the receiver.</summary>
    public long KeyFrameRequestsReceived { get; private set; }

    /// <summary>The receiver's last REMB estimate, bits per second.</summary>
    public ulong? EstimatedBitrate { get; private set; }

    internal void ReceiveReceiverReport(in ReceptionReport report)
    {
        ReceiverReports++;
        FractionLost = report.FractionLost / 256.0;
        PacketsLost = report.CumulativeLost;
        Jitter = report.Jitter;
        if (report.LastSenderReport == 0)
        {
            return;
        }

        // RFC 3550 §6.4.1: now − LSR − DLSR, in 1/65536 s, all taken from the middle 32 bits of NTP time.
        var nowMiddle = (uint)(ToNtp(_time.GetUtcNow()) >> 16);
        var roundTrip = (int)(nowMiddle - report.LastSenderReport - report.DelaySinceLastSenderReport);
        if (roundTrip >= 0)
        {
            RoundTripTime = TimeSpan.FromTicks(roundTrip * TimeSpan.TicksPerSecond / 65536);
        }
    }

    internal void ReceiveKeyFrameRequest()
    {
        KeyFrameRequestsReceived++;
        RequestKeyFrame();
    }

    internal void ReceiveEstimatedBitrate(ulong bitrate) => EstimatedBitrate = bitrate;

    /// <summary>Resends what the receiver lost, each packet at most once per round trip. No allocation.</summary>
    internal void ReceiveNack(ReadOnlySpan<ushort> sequences)
    {
        NackedPackets += sequences.Length;
        if (NackEnabled && !IsClosed)
        {
            Producer.KeepRetransmissions();
        }

        if (!NackEnabled || IsClosed || !_everSent)
        {
            RetransmissionsSkipped += sequences.Length;
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var sequence in sequences)
        {
            if (Retransmit(sequence, now))
            {
                PacketsRetransmitted++;
            }
            else
            {
                RetransmissionsSkipped++;
            }
        }
    }

    private bool Retransmit(ushort outputSequence, long now)
    {
        // Only packets of the current numbering epoch map back to the producer's sequence numbers: those at most
        // _epochPackets - 1 behind the last one sent (a distance, so it holds across the 16-bit wrap).
        if ((ushort)(_lastSequence - outputSequence) >= _epochPackets || Producer.Retransmissions is not { } buffer)
        {
            return false;
        }

        var original = buffer.Find(_lastInputSsrc, (ushort)(outputSequence - _sequenceOffset), out var storedAt);
        var maxAge = Producer.IsVideo ? MaxVideoRetransmissionAge : MaxAudioRetransmissionAge;
        if (original.IsEmpty || _time.GetElapsedTime(storedAt, now) > maxAge || !RtpHeader.TryParse(original, out var header))
        {
            return false;
        }

        var slot = outputSequence & (ResendMemory - 1);
        if (_resentAt![slot] != 0 && _resentSequences![slot] == outputSequence
            && _time.GetElapsedTime(_resentAt[slot], now) < (RoundTripTime ?? DefaultRoundTripTime))
        {
            return false;
        }

        _resentAt[slot] = now;
        _resentSequences![slot] = outputSequence;
        var packet = _scratch!.AsSpan();
        int length;
        if (_rtxPayloadType != 0)
        {
            // RFC 4588: the original header, then the original sequence number, then the payload (padding dropped).
            original[..header.PayloadOffset].CopyTo(packet);
            packet[0] &= 0b1101_1111;
            packet[header.PayloadOffset] = (byte)(outputSequence >> 8);
            packet[header.PayloadOffset + 1] = (byte)outputSequence;
            header.Payload(original).CopyTo(packet[(header.PayloadOffset + 2)..]);
            length = header.PayloadOffset + 2 + header.PayloadLength;
            RtpHeader.WritePayloadType(packet, _rtxPayloadType);
            RtpHeader.WriteSsrc(packet, _rtxSsrc);
            RtpHeader.WriteSequenceNumber(packet, _rtxSequence++);
        }
        else
        {
            original.CopyTo(packet);
            length = original.Length;
            RtpHeader.WritePayloadType(packet, _payloadType);
            RtpHeader.WriteSsrc(packet, _ssrc);
            RtpHeader.WriteSequenceNumber(packet, outputSequence);
        }

        StampExtensions(packet[..length], in header, shared: false);
        return Transport.SendRtp(packet[..length]);
    }
}
