using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// The RTCP feedback one transport sends about the media it receives: receiver reports (RFC 3550 §6.4.2), generic NACKs
/// (RFC 4585) and REMB. It reads the transport's producers' streams and sends through the transport; it runs on the
/// router's worker, when the transport's timers fire. No allocation: packets are built on the stack.
/// </summary>
public sealed class RtcpFeedbackGenerator
{
    /// <summary>Round trip assumed between NACKs of the same packet (mediasoup's default).</summary>
    private const long NackRoundTripMilliseconds = 100;

    private const int MaxNacksPerPacket = 64;
    private const int MaxRembSsrcs = 16;

    private readonly Transport _transport;
    private readonly TimeProvider _time;

    internal RtcpFeedbackGenerator(Transport transport, TimeProvider time)
    {
        _transport = transport;
        _time = time;
    }

    /// <summary>SSRC of the RTCP feedback this transport sends (receiver reports, NACK, REMB).</summary>
    public uint SenderSsrc { get; } = Ortc.RandomSsrc();

    /// <summary>Sends one receiver report with a block per received stream (RFC 3550 §6.4.2).</summary>
    public void SendReceiverReports()
    {
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[ReceiverReport.MaxReports];
        var count = 0;
        var now = _time.GetTimestamp();
        foreach (var producer in _transport.ProducerValues)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count && count < blocks.Length; i++)
            {
                blocks[count++] = streams[i].CreateReceptionReport(now, _time.TimestampFrequency);
            }
        }

        Span<byte> buffer = stackalloc byte[RtcpHeader.Length + 4 + (ReceptionReport.Length * ReceiverReport.MaxReports)];
        if (count > 0 && ReceiverReport.TryWrite(buffer, SenderSsrc, blocks[..count], out var written))
        {
            _transport.SendRtcp(buffer[..written]);
        }
    }

    /// <summary>Sends a generic NACK (RFC 4585) for every stream with packets due to be asked for again.</summary>
    public void SendNacks()
    {
        Span<ushort> lost = stackalloc ushort[MaxNacksPerPacket];
        Span<byte> buffer = stackalloc byte[RtcpHeader.Length + 8 + (4 * MaxNacksPerPacket)];
        var nowMilliseconds = _time.GetTimestamp() * 1000 / _time.TimestampFrequency;
        foreach (var producer in _transport.ProducerValues)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count; i++)
            {
                if (streams[i].Nack is not { Pending: > 0 } nack)
                {
                    continue;
                }

                var count = nack.CollectDue(nowMilliseconds, NackRoundTripMilliseconds, lost);
                if (count > 0 && GenericNack.TryWrite(buffer, SenderSsrc, streams[i].Ssrc, lost[..count], out var written))
                {
                    _transport.SendRtcp(buffer[..written]);
                }
            }
        }
    }

    /// <summary>Tells the sender the most it may send for all its video streams (REMB).</summary>
    public void SendEstimatedMaximumBitrate(ulong bitsPerSecond)
    {
        Span<uint> ssrcs = stackalloc uint[MaxRembSsrcs];
        var count = 0;
        foreach (var producer in _transport.ProducerValues)
        {
            var streams = producer.Streams;
            for (var i = 0; i < streams.Count && count < ssrcs.Length && producer.IsVideo; i++)
            {
                ssrcs[count++] = streams[i].Ssrc;
            }
        }

        Span<byte> buffer = stackalloc byte[ReceiverEstimatedMaximumBitrate.LengthFor(MaxRembSsrcs)];
        if (count > 0 && ReceiverEstimatedMaximumBitrate.TryWrite(buffer, SenderSsrc, bitsPerSecond, ssrcs[..count], out var written))
        {
            _transport.SendRtcp(buffer[..written]);
        }
    }
}
