using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Broadcast.Ingest.Protocols.Demux;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Protocols.Srtp;

namespace Broadcast.Testing;

// The receive loop: RFC 7983 demux, SRTP and SRTCP unprotected in place, statistics, the history of RTP headers,
// sender reports and CNAMEs, and the simulated loss that happens before decryption, as on a network.
public sealed partial class WebRtcTestPeer
{
    private const int ReceiveBufferLength = 2048;
    private const int MaxSenderReports = 256;
    private const int FirstRtcpType = 192;
    private const int RtcpTypes = 32;
    private const byte CsrcCountMask = 0x0F;
    private const byte ExtensionBit = 0x10;
    private const byte MarkerBit = 0x80;
    private const byte PayloadTypeMask = 0x7F;

    private readonly Lock _gate = new();
    private readonly Dictionary<uint, ReceivedStream> _streams = [];
    private readonly Dictionary<uint, LastSenderReport> _lastSenderReports = [];
    private readonly Dictionary<uint, string> _cnames = [];
    private readonly List<SenderReport> _senderReports = [];
    private readonly long[] _rtcpByType = new long[RtcpTypes];
    private readonly RtpPacketInfo[] _history;
    private int _historyNext;
    private long _historyCount;
    private SrtpContext? _srtp;
    private int _dropEvery;
    private long _arrivals;
    private Func<RtpPacketInfo, bool>? _dropWhen;
    private long _rtpPacketsReceived;
    private long _rtpPacketsDropped;
    private long _rtcpPacketsReceived;
    private long _srtpFailures;
    private long _srtpReplays;
    private long _droppedBeforeKeys;
    private long _unknownDatagrams;

    /// <summary>An RTP packet arrived and was decrypted; raised on the receive loop (a throwing handler ends it).</summary>
    public event Action<RtpPacketInfo>? RtpReceived;

    /// <summary>A sender report arrived; raised on the receive loop.</summary>
    public event Action<SenderReport>? SenderReportReceived;

    public long RtpPacketsReceived => Interlocked.Read(ref _rtpPacketsReceived);

    /// <summary>RTP packets lost on purpose by <see cref="DropEvery"/> or <see cref="DropWhen"/>, before decryption.</summary>
    public long RtpPacketsDropped => Interlocked.Read(ref _rtpPacketsDropped);

    /// <summary>SRTCP compound packets received and decrypted.</summary>
    public long RtcpPacketsReceived => Interlocked.Read(ref _rtcpPacketsReceived);

    /// <summary>SRTP or SRTCP packets whose tag did not verify, or that did not parse.</summary>
    public long SrtpFailures => Interlocked.Read(ref _srtpFailures);

    /// <summary>SRTP or SRTCP packets rejected by the replay window: duplicates, such as a retransmission of a packet that had arrived.</summary>
    public long SrtpReplays => Interlocked.Read(ref _srtpReplays);

    /// <summary>RTP or RTCP that came before the SRTP keys.</summary>
    public long DroppedBeforeKeys => Interlocked.Read(ref _droppedBeforeKeys);

    /// <summary>Datagrams that were none of ours: stray STUN, unknown first bytes.</summary>
    public long UnknownDatagrams => Interlocked.Read(ref _unknownDatagrams);

    /// <summary>The last <see cref="WebRtcTestPeerOptions.History"/> RTP packets received, oldest first.</summary>
    public IReadOnlyList<RtpPacketInfo> RecentRtp
    {
        get
        {
            lock (_gate)
            {
                var count = (int)Math.Min(_historyCount, _history.Length);
                var recent = new RtpPacketInfo[count];
                var start = (_historyNext - count + _history.Length) % _history.Length;
                for (var i = 0; i < count; i++)
                {
                    recent[i] = _history[(start + i) % _history.Length];
                }

                return recent;
            }
        }
    }

    /// <summary>Every stream received so far.</summary>
    public IReadOnlyList<RtpStreamStatistics> Streams
    {
        get
        {
            lock (_gate)
            {
                return [.. _streams.Values.Select(stream => stream.Snapshot())];
            }
        }
    }

    /// <summary>The last sender reports received (up to 256), oldest first.</summary>
    public IReadOnlyList<SenderReport> SenderReports
    {
        get
        {
            lock (_gate)
            {
                return [.. _senderReports];
            }
        }
    }

    /// <summary>The statistics of <paramref name="ssrc"/>, or null before its first packet.</summary>
    public RtpStreamStatistics? GetStream(uint ssrc)
    {
        lock (_gate)
        {
            return _streams.GetValueOrDefault(ssrc)?.Snapshot();
        }
    }

    public SenderReport? GetLastSenderReport(uint ssrc)
    {
        lock (_gate)
        {
            return _lastSenderReports.TryGetValue(ssrc, out var last) ? last.Report : null;
        }
    }

    /// <summary>The CNAME an SDES gave for <paramref name="ssrc"/>.</summary>
    public string? GetCname(uint ssrc)
    {
        lock (_gate)
        {
            return _cnames.GetValueOrDefault(ssrc);
        }
    }

    /// <summary>RTCP packets of one type (200 SR, 202 SDES, 203 BYE, ...) found in the compounds received.</summary>
    public long RtcpPacketsOfType(byte packetType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packetType, FirstRtcpType);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(packetType, FirstRtcpType + RtcpTypes);
        lock (_gate)
        {
            return _rtcpByType[packetType - FirstRtcpType];
        }
    }

    /// <summary>Loses every <paramref name="n"/>th RTP packet that arrives (1: all of them; 0: none), before decryption.</summary>
    public void DropEvery(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        Volatile.Write(ref _dropEvery, n);
    }

    /// <summary>
    /// Loses the RTP packets for which <paramref name="predicate"/> is true (null: none), before decryption, so that
    /// the replay window never sees them. It runs on the receive loop; a retransmission is a new arrival to it.
    /// </summary>
    public void DropWhen(Func<RtpPacketInfo, bool>? predicate) => Volatile.Write(ref _dropWhen, predicate);

    private async Task RunReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[ReceiveBufferLength];
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset
                or SocketError.MessageSize)
            {
                // An ICMP port unreachable on the connected socket (the transport's port closed), or a datagram too big.
                Interlocked.Increment(ref _unknownDatagrams);
                continue;
            }

            OnDatagram(buffer.AsSpan(0, length));
            Pulse();
        }
    }

    private void OnDatagram(Span<byte> datagram)
    {
        switch (RtpPacketClassifier.Classify(datagram))
        {
            case PacketKind.Stun:
                OnStun(datagram);
                break;
            case PacketKind.Dtls:
                OnDtls(datagram);
                break;
            case PacketKind.Rtp:
                OnRtp(datagram);
                break;
            case PacketKind.Rtcp:
                OnRtcp(datagram);
                break;
            default:
                Interlocked.Increment(ref _unknownDatagrams);
                break;
        }
    }

    private void OnRtp(Span<byte> datagram)
    {
        if (Volatile.Read(ref _srtp) is not { } srtp)
        {
            Interlocked.Increment(ref _droppedBeforeKeys);
            return;
        }

        if (!TryReadClearHeader(datagram, srtp.Inbound.RtpOverhead, out var arrival))
        {
            Interlocked.Increment(ref _srtpFailures);
            return;
        }

        if (ShouldDrop(arrival))
        {
            Interlocked.Increment(ref _rtpPacketsDropped);
            return;
        }

        var status = srtp.UnprotectRtp(datagram, out var length);
        if (status != SrtpStatus.Ok || !RtpHeader.TryParse(datagram[..length], out var header))
        {
            Interlocked.Increment(ref status == SrtpStatus.Replayed ? ref _srtpReplays : ref _srtpFailures);
            return;
        }

        var packet = new RtpPacketInfo(header.Ssrc, header.SequenceNumber, header.PayloadType, header.Timestamp, header.Marker, header.PayloadLength);
        (ushort First, int Count) gap;
        lock (_gate)
        {
            if (!_streams.TryGetValue(packet.Ssrc, out var stream))
            {
                _streams[packet.Ssrc] = stream = new ReceivedStream(packet.Ssrc);
            }

            var clockRate = _options.ClockRates.TryGetValue(packet.PayloadType, out var rate) ? rate : _options.DefaultClockRate;
            gap = stream.Receive(packet, Stopwatch.GetTimestamp(), clockRate);
            _history[_historyNext] = packet;
            _historyNext = (_historyNext + 1) % _history.Length;
            _historyCount++;
        }

        Interlocked.Increment(ref _rtpPacketsReceived);
        if (gap.Count > 0 && _options.NackLostPackets)
        {
            NackGap(packet.Ssrc, gap.First, gap.Count);
        }

        RtpReceived?.Invoke(packet);
    }

    private bool ShouldDrop(in RtpPacketInfo arrival)
    {
        var every = Volatile.Read(ref _dropEvery);
        var arrivals = ++_arrivals; // the receive loop's alone
        return (every > 0 && arrivals % every == 0) || Volatile.Read(ref _dropWhen)?.Invoke(arrival) == true;
    }

    private void OnRtcp(Span<byte> datagram)
    {
        if (Volatile.Read(ref _srtp) is not { } srtp)
        {
            Interlocked.Increment(ref _droppedBeforeKeys);
            return;
        }

        var status = srtp.UnprotectRtcp(datagram, out var length);
        if (status != SrtpStatus.Ok)
        {
            Interlocked.Increment(ref status == SrtpStatus.Replayed ? ref _srtpReplays : ref _srtpFailures);
            return;
        }

        Interlocked.Increment(ref _rtcpPacketsReceived);
        var now = Stopwatch.GetTimestamp();
        var reader = new RtcpCompoundReader(datagram[..length]);
        // The whole compound under one lock: a waiter that sees its sender report also sees the SDES that came with it.
        List<SenderReport>? received = null;
        lock (_gate)
        {
            while (reader.TryReadNext(out var header, out var packet))
            {
                _rtcpByType[header.PacketType - FirstRtcpType]++;
                if (header.PacketType == RtcpPacketType.SenderReport && SenderReport.TryParse(packet, out var report))
                {
                    _lastSenderReports[report.Ssrc] = new LastSenderReport(report, now);
                    if (_senderReports.Count == MaxSenderReports)
                    {
                        _senderReports.RemoveAt(0);
                    }

                    _senderReports.Add(report);
                    (received ??= []).Add(report);
                }
                else if (header.PacketType == RtcpPacketType.SourceDescription && SourceDescription.TryParseCname(packet, out var ssrc, out var cname))
                {
                    _cnames[ssrc] = Encoding.UTF8.GetString(cname);
                }
            }
        }

        foreach (var sr in received ?? [])
        {
            SenderReportReceived?.Invoke(sr);
        }
    }

    // The clear part of an SRTP packet (RFC 3711 §3.1): the header and the length of what is encrypted.
    private static bool TryReadClearHeader(ReadOnlySpan<byte> srtp, int tagLength, out RtpPacketInfo packet)
    {
        packet = default;
        if (srtp.Length < RtpHeader.FixedLength + tagLength)
        {
            return false;
        }

        var headerLength = RtpHeader.FixedLength + (4 * (srtp[0] & CsrcCountMask));
        if ((srtp[0] & ExtensionBit) != 0)
        {
            if (srtp.Length < headerLength + 4)
            {
                return false;
            }

            headerLength += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(srtp[(headerLength + 2)..]));
        }

        var payloadLength = srtp.Length - tagLength - headerLength;
        if (payloadLength < 0)
        {
            return false;
        }

        packet = new RtpPacketInfo(BinaryPrimitives.ReadUInt32BigEndian(srtp[8..]), BinaryPrimitives.ReadUInt16BigEndian(srtp[2..]),
            (byte)(srtp[1] & PayloadTypeMask), BinaryPrimitives.ReadUInt32BigEndian(srtp[4..]), (srtp[1] & MarkerBit) != 0, payloadLength);
        return true;
    }
}
