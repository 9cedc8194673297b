using System.Diagnostics;
using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Testing;

// Reception statistics of one SSRC, as RFC 3550's appendix computes them, for receiver reports and assertions.
public sealed partial class WebRtcTestPeer
{
    private sealed class ReceivedStream(uint ssrc)
    {
        private const int SequenceSpace = 1 << 16;
        private const int HalfSequenceSpace = 1 << 15;

        // A jump this far ahead is taken as a new run of the stream, not as loss worth a NACK.
        private const int MaxGap = 512;

        private readonly HashSet<ushort> _missing = [];
        private bool _started;
        private ushort _baseSequence;
        private ushort _maxSequence;
        private uint _cycles;
        private long _expectedPrior;
        private long _receivedPrior;
        private double _jitter;
        private int _lastTransit;
        private bool _haveTransit;

        public uint Ssrc { get; } = ssrc;

        public long Received { get; private set; }

        public long PayloadBytes { get; private set; }

        public long Recovered { get; private set; }

        private uint ExtendedMax => _cycles + _maxSequence;

        private long Expected => _started ? (long)ExtendedMax - _baseSequence + 1 : 0;

        /// <summary>Counts a packet; a gap it opens is returned (first missing, count) for a NACK.</summary>
        public (ushort First, int Count) Receive(in RtpPacketInfo packet, long arrival, int clockRate)
        {
            Received++;
            PayloadBytes += packet.PayloadLength;
            var sequence = packet.SequenceNumber;
            if (!_started)
            {
                _started = true;
                _baseSequence = sequence;
                _maxSequence = sequence;
                UpdateJitter(packet.Timestamp, arrival, clockRate);
                return default;
            }

            var delta = (ushort)(sequence - _maxSequence);
            if (delta == 0 || delta >= HalfSequenceSpace)
            {
                // Behind the highest: a retransmission or a reordered packet fills its gap; else a duplicate.
                if (_missing.Remove(sequence))
                {
                    Recovered++;
                }

                return default;
            }

            if (sequence < _maxSequence)
            {
                _cycles += SequenceSpace;
            }

            _missing.Remove(sequence); // a gap a whole cycle ago
            var first = (ushort)(_maxSequence + 1);
            var gap = delta - 1;
            _maxSequence = sequence;
            UpdateJitter(packet.Timestamp, arrival, clockRate);
            if (gap == 0 || gap > MaxGap)
            {
                return default;
            }

            for (var i = 0; i < gap; i++)
            {
                _missing.Add((ushort)(first + i));
            }

            return (first, gap);
        }

        /// <summary>
        /// The report block for the next RR: fraction lost since the previous one (which this call starts anew),
        /// and LSR/DLSR from the last sender report of this SSRC, if any.
        /// </summary>
        public ReceptionReport CreateReport(long now, LastSenderReport? lastSenderReport)
        {
            var expected = Expected;
            var expectedInterval = expected - _expectedPrior;
            var lostInterval = expectedInterval - (Received - _receivedPrior);
            _expectedPrior = expected;
            _receivedPrior = Received;
            return Report(Ssrc, now, lastSenderReport) with
            {
                FractionLost = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval),
                CumulativeLost = (int)Math.Clamp(expected - Received, int.MinValue, int.MaxValue),
                ExtendedHighestSequence = ExtendedMax,
                Jitter = (uint)_jitter,
            };
        }

        /// <summary>A block with no reception yet, as for an SSRC the peer has only heard of in RTCP.</summary>
        public static ReceptionReport Report(uint ssrc, long now, LastSenderReport? lastSenderReport)
        {
            var report = new ReceptionReport { Ssrc = ssrc };
            if (lastSenderReport is { } sr)
            {
                // LSR: the middle 32 bits of the SR's NTP time; DLSR in 1/65536 s (RFC 3550 §6.4.1).
                report.LastSenderReport = (uint)(sr.Report.NtpTimestamp >> 16);
                report.DelaySinceLastSenderReport = (uint)(Stopwatch.GetElapsedTime(sr.Arrival, now).TotalSeconds * 65536);
            }

            return report;
        }

        public RtpStreamStatistics Snapshot()
        {
            var missing = _missing.ToArray();
            Array.Sort(missing);
            return new RtpStreamStatistics(Ssrc, Received, PayloadBytes, ExtendedMax, Expected - Received, (uint)_jitter, Recovered, missing);
        }

        // RFC 3550 §A.8, for packets that advance the sequence (a retransmission's transit time says nothing of the path).
        private void UpdateJitter(uint timestamp, long arrival, int clockRate)
        {
            var arrivalUnits = (long)(Stopwatch.GetElapsedTime(0, arrival).TotalSeconds * clockRate);
            var transit = unchecked((int)((uint)arrivalUnits - timestamp));
            if (_haveTransit)
            {
                _jitter += (Math.Abs((double)transit - _lastTransit) - _jitter) / 16;
            }

            _lastTransit = transit;
            _haveTransit = true;
        }
    }

    /// <summary>A sender report and when it arrived (a <see cref="Stopwatch"/> timestamp).</summary>
    private readonly record struct LastSenderReport(SenderReport Report, long Arrival);
}
