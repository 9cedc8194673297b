using System.Diagnostics;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Testing;

// RTCP feedback to the transport, built with the project's writers and protected with the client-write keys. Each
// call sends one SRTCP datagram and returns whether the socket took it; calling before ConnectAsync is a bug.
public sealed partial class WebRtcTestPeer
{
    private const int RtcpBufferLength = 1200;

    // One send buffer and the outbound SRTCP state: the tests' threads and the receive loop (automatic NACKs) share them.
    private readonly Lock _sendGate = new();
    private readonly byte[] _rtcpOut = new byte[RtcpBufferLength + 64];
    private readonly byte[] _cname;
    private byte _firSequence;
    private long _rtcpPacketsSent;

    /// <summary>SRTCP datagrams sent.</summary>
    public long RtcpPacketsSent => Interlocked.Read(ref _rtcpPacketsSent);

    /// <summary>
    /// A receiver report about <paramref name="mediaSsrc"/> followed by an SDES with the CNAME (RFC 3550 §6.1):
    /// fraction lost since the previous report, cumulative lost, extended highest sequence number and jitter from
    /// what arrived, LSR and DLSR from its last sender report. An SSRC not received yet gets a block of zeros.
    /// </summary>
    public bool SendReceiverReport(uint mediaSsrc)
    {
        Span<ReceptionReport> block = stackalloc ReceptionReport[1];
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            LastSenderReport? last = _lastSenderReports.TryGetValue(mediaSsrc, out var sr) ? sr : null;
            block[0] = _streams.TryGetValue(mediaSsrc, out var stream) ? stream.CreateReport(now, last) : ReceivedStream.Report(mediaSsrc, now, last);
        }

        return SendReport(block);
    }

    /// <summary>One receiver report with a block for every stream received (none: an empty RR), and the SDES.</summary>
    public bool SendReceiverReports()
    {
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[ReceiverReport.MaxReports];
        var count = 0;
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var stream in _streams.Values)
            {
                if (count == blocks.Length)
                {
                    break;
                }

                LastSenderReport? last = _lastSenderReports.TryGetValue(stream.Ssrc, out var sr) ? sr : null;
                blocks[count++] = stream.CreateReport(now, last);
            }
        }

        return SendReport(blocks[..count]);
    }

    /// <summary>A generic NACK (RFC 4585 §6.2.1) asking <paramref name="mediaSsrc"/>'s sender for these packets again.</summary>
    public bool SendNack(uint mediaSsrc, params ReadOnlySpan<ushort> sequenceNumbers)
    {
        Span<byte> packet = stackalloc byte[RtcpBufferLength];
        if (!GenericNack.TryWrite(packet, Ssrc, mediaSsrc, sequenceNumbers, out var written))
        {
            throw new ArgumentException("Too many sequence numbers for one NACK.", nameof(sequenceNumbers));
        }

        return SendRtcp(packet[..written]);
    }

    /// <summary>A picture loss indication (RFC 4585 §6.3.1): a key frame, please.</summary>
    public bool SendPli(uint mediaSsrc)
    {
        Span<byte> packet = stackalloc byte[PictureLossIndication.Length];
        PictureLossIndication.TryWrite(packet, Ssrc, mediaSsrc, out var written);
        return SendRtcp(packet[..written]);
    }

    /// <summary>A full intra request (RFC 5104 §4.3.1) with the next command sequence number.</summary>
    public bool SendFir(uint mediaSsrc)
    {
        Span<byte> packet = stackalloc byte[FullIntraRequest.Length];
        byte sequence;
        lock (_sendGate)
        {
            sequence = _firSequence++;
        }

        FullIntraRequest.TryWrite(packet, Ssrc, mediaSsrc, sequence, out var written);
        return SendRtcp(packet[..written]);
    }

    /// <summary>A REMB: the most the sender of <paramref name="ssrcs"/> should send, in bits per second.</summary>
    public bool SendRemb(ulong bitsPerSecond, params ReadOnlySpan<uint> ssrcs)
    {
        Span<byte> packet = stackalloc byte[ReceiverEstimatedMaximumBitrate.LengthFor(ReceiverEstimatedMaximumBitrate.MaxSsrcs)];
        ReceiverEstimatedMaximumBitrate.TryWrite(packet, Ssrc, bitsPerSecond, ssrcs, out var written);
        return SendRtcp(packet[..written]);
    }

    // The automatic NACK of a gap the receive loop saw open.
    private void NackGap(uint mediaSsrc, ushort first, int count)
    {
        Span<ushort> lost = stackalloc ushort[count];
        for (var i = 0; i < count; i++)
        {
            lost[i] = (ushort)(first + i);
        }

        SendNack(mediaSsrc, lost);
    }

    private bool SendReport(ReadOnlySpan<ReceptionReport> blocks)
    {
        Span<byte> compound = stackalloc byte[RtcpBufferLength];
        ReceiverReport.TryWrite(compound, Ssrc, blocks, out var report);
        if (!SourceDescription.TryWriteCname(compound[report..], Ssrc, _cname, out var description))
        {
            throw new InvalidOperationException("The CNAME is longer than 255 bytes.");
        }

        return SendRtcp(compound[..(report + description)]);
    }

    private bool SendRtcp(ReadOnlySpan<byte> compound)
    {
        var srtp = Volatile.Read(ref _srtp) ?? throw new InvalidOperationException("The peer is not connected: await ConnectAsync first.");
        lock (_sendGate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            compound.CopyTo(_rtcpOut);
            if (srtp.ProtectRtcp(_rtcpOut, compound.Length, out var length) != SrtpStatus.Ok || !TrySend(_rtcpOut.AsSpan(0, length)))
            {
                return false;
            }
        }

        Interlocked.Increment(ref _rtcpPacketsSent);
        return true;
    }
}
