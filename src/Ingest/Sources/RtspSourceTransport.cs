using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Media of one RTSP session with a camera entering a router: one producer per track, fed from interleaved frames of
/// the RTSP connection (read on the connection's task, handed over through a bounded queue) or from UDP sockets the
/// worker reads itself. Each track's packets get a fixed SSRC of ours, so a camera that changes its SSRC keeps its
/// producer; RTCP towards the camera (receiver reports, key frame requests) names the camera's SSRC again.
/// Everything but the <see cref="IInterleavedSink"/> calls (on the connection's reader task) runs on the router's worker.
/// </summary>
public sealed partial class RtspSourceTransport : Transport, IInterleavedSink
{
    private const int QueueBytes = 2 * 1024 * 1024;
    private const int QueueSlots = 2048;
    private const int NoChannel = -1;

    private static readonly SendOrPostCallback DrainCallback = static state => ((RtspSourceTransport)state!).Drain();
    private static readonly InterleavedFrameQueue.FrameHandler<RtspSourceTransport> DeliverFrame =
        static (transport, channel, payload) => transport.OnInterleaved(channel, payload);

    private readonly TrackState[] _tracks;
    private readonly int[] _channels = new int[256];
    private readonly InterleavedFrameQueue _queue = new(QueueBytes, QueueSlots);
    private readonly PortAllocator _ports;
    private readonly MediaOptions _media;
    private readonly byte[] _cname;
    private int _drainScheduled;
    private RtspConnection? _connection;
    private bool _detached;

    private RtspSourceTransport(string id, Router router, IReadOnlyList<RtspTrack> tracks, PortAllocator ports, MediaOptions media)
        : base(id, router)
    {
        _ports = ports;
        _media = media;
        _tracks = [.. tracks.Select(t => new TrackState(t, Ortc.RandomSsrc()))];
        Array.Fill(_channels, NoChannel);
        ReporterSsrc = Ortc.RandomSsrc();
        _cname = System.Text.Encoding.ASCII.GetBytes($"broadcast-{router.Id}"[..Math.Min(64, 10 + router.Id.Length)]);
    }

    /// <summary>Creates the transport through <paramref name="transports"/> for <paramref name="tracks"/> (the ones to SETUP).</summary>
    public static Task<RtspSourceTransport> CreateAsync(TransportFactory transports, Router router, IReadOnlyList<RtspTrack> tracks)
    {
        ArgumentNullException.ThrowIfNull(transports);
        return transports.CreateAsync(router, null, (id, ports, media) => new RtspSourceTransport(id, router, tracks, ports, media));
    }

    public override string Type => "rtsp";

    /// <summary>False: media only enters from the camera.</summary>
    public override bool CanConsume => false;

    /// <summary>True while the session plays.</summary>
    public override bool IsConnected => IsPlaying && !_detached;

    public bool IsPlaying { get; set; }

    /// <summary>Our SSRC as the sender of receiver reports.</summary>
    public uint ReporterSsrc { get; }

    public int TrackCount => _tracks.Length;

    public long DroppedQueueFull => _queue.Dropped;
    public long DroppedUnknownChannel { get; private set; }
    public long DroppedUnknownSource { get; private set; }
    public long ReceiverReportsSent { get; private set; }

    public RtspTrack Track(int index) => _tracks[index].Track;

    public Producer? ProducerOf(int index) => _tracks[index].Producer;

    /// <summary>The track's video analysis (frame rate, key frames, B-frames, size), null for audio.</summary>
    internal VideoTrackAnalyzer? AnalyzerOf(int index) => _tracks[index].Analyzer;

    /// <summary>Ticks (of the router's clock) of the track's last RTP packet, 0 before the first.</summary>
    public long LastPacketTicks(int index) => _tracks[index].LastPacketTicks;

    /// <summary>RTP packets of all tracks since creation.</summary>
    public long TrackPackets => _tracks.Sum(t => t.Packets);

    /// <summary>Routes interleaved channels to a track (the ones the camera confirmed in its SETUP answer).</summary>
    public void SetInterleaved(int index, int rtpChannel, int rtcpChannel)
    {
        _tracks[index].RtcpChannel = rtcpChannel;
        _channels[rtpChannel & 0xFF] = index << 1;
        _channels[rtcpChannel & 0xFF] = (index << 1) | 1;
    }

    /// <summary>Takes interleaved frames from <paramref name="connection"/> and sends RTCP through it.</summary>
    public void AttachConnection(RtspConnection connection)
    {
        _connection = connection;
        connection.SetSink(this);
    }

    /// <summary>Creates one producer per track; the HLS pipeline starts once they exist.</summary>
    public async Task CreateProducersAsync()
    {
        for (var i = 0; i < _tracks.Length; i++)
        {
            var state = _tracks[i];
            var parameters = state.Track.ToRtpParameters(state.Ssrc, System.Text.Encoding.ASCII.GetString(_cname));
            state.Producer = await ProduceAsync(null, state.Track.Kind, parameters, paused: false).ConfigureAwait(true);
        }
    }

    /// <summary>Stops taking media (the session ended) but keeps the producers until the next session replaces them.</summary>
    public void Detach()
    {
        if (_detached)
        {
            return;
        }

        _detached = true;
        IsPlaying = false;
        _connection?.SetSink(null);
        _connection = null;
        foreach (var track in _tracks)
        {
            ReleaseUdp(track);
        }
    }

    // Reader task: copy into the queue; never block, never allocate.
    void IInterleavedSink.OnInterleavedFrame(byte channel, ReadOnlySpan<byte> payload) => _queue.TryEnqueue(channel, payload);

    // Reader task: one hand-off to the worker per socket read, not per frame.
    void IInterleavedSink.OnReadCompleted()
    {
        if (_queue.Count > 0 && Interlocked.Exchange(ref _drainScheduled, 1) == 0)
        {
            Worker.Post(DrainCallback, this);
        }
    }

    private void Drain()
    {
        // Cleared first: a frame queued while we drain either is drained now or schedules the next drain.
        Volatile.Write(ref _drainScheduled, 0);
        _queue.Drain(this, DeliverFrame);
    }

    private void OnInterleaved(byte channel, Span<byte> payload)
    {
        if (IsClosed || _detached)
        {
            return;
        }

        var target = _channels[channel];
        if (target == NoChannel)
        {
            DroppedUnknownChannel++;
            return;
        }

        var track = _tracks[target >> 1];
        if ((target & 1) == 0)
        {
            OnTrackRtp(track, payload);
        }
        else
        {
            OnTrackRtcp(track, payload);
        }
    }

    private void OnTrackRtp(TrackState track, Span<byte> packet)
    {
        if (!RtpHeader.TryParse(packet, out var header) || RtcpHeader.IsRtcp(packet))
        {
            DroppedMalformed++;
            return;
        }

        track.CameraSsrc = header.Ssrc;
        track.Packets++;
        track.LastPacketTicks = Time.GetTimestamp();
        track.Analyzer?.OnPacket(in header, header.Payload(packet));
        RtpHeader.WriteSsrc(packet, track.Ssrc);
        OnRtp(packet);
    }

    // Sender reports name the camera's SSRC: give them ours so the producer's stream takes them.
    private void OnTrackRtcp(TrackState track, Span<byte> compound)
    {
        var rest = compound;
        while (RtcpHeader.TryParse(rest, out var header) && header.PacketLength <= rest.Length)
        {
            if (header.PacketType == RtcpPacketType.SenderReport && header.PacketLength >= 8)
            {
                BinaryPrimitives.WriteUInt32BigEndian(rest[4..], track.Ssrc);
            }

            rest = rest[header.PacketLength..];
        }

        OnRtcp(compound);
    }

    protected internal override bool SendRtp(ReadOnlySpan<byte> packet) => false; // a source transport never sends media

    /// <summary>Key frame requests of the producers (PLI/FIR naming our SSRC) go to the camera naming its own.</summary>
    protected internal override bool SendRtcp(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12 || packet.Length > 64)
        {
            return false;
        }

        Span<byte> copy = stackalloc byte[packet.Length];
        packet.CopyTo(copy);
        var mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(copy[8..]);
        foreach (var track in _tracks)
        {
            if (track.Ssrc != mediaSsrc)
            {
                continue;
            }

            BinaryPrimitives.WriteUInt32BigEndian(copy[4..], ReporterSsrc);
            BinaryPrimitives.WriteUInt32BigEndian(copy[8..], track.CameraSsrc);
            if (copy.Length >= 16 && BinaryPrimitives.ReadUInt32BigEndian(copy[12..]) == track.Ssrc)
            {
                BinaryPrimitives.WriteUInt32BigEndian(copy[12..], track.CameraSsrc); // FIR's FCI
            }

            return SendTrackRtcp(track, copy);
        }

        return false;
    }

    /// <summary>Sends each track's receiver report (with our CNAME) to the camera.</summary>
    public void SendTrackReceiverReports()
    {
        Span<byte> buffer = stackalloc byte[128];
        var now = Time.GetTimestamp();
        foreach (var track in _tracks)
        {
            if (track.Producer is not { Streams.Count: > 0 } producer || track.Packets == 0)
            {
                continue;
            }

            // The stream carries our fixed SSRC for the track; the camera knows its own.
            var report = producer.Streams[0].CreateReceptionReport(now, Time.TimestampFrequency);
            report.Ssrc = track.CameraSsrc;
            if (ReceiverReport.TryWrite(buffer, ReporterSsrc, [report], out var written)
                && SourceDescription.TryWriteCname(buffer[written..], ReporterSsrc, _cname, out var sdes)
                && SendTrackRtcp(track, buffer[..(written + sdes)]))
            {
                ReceiverReportsSent++;
            }
        }
    }

    private bool SendTrackRtcp(TrackState track, ReadOnlySpan<byte> packet)
    {
        if (_detached)
        {
            return false;
        }

        bool sent;
        if (track.RtcpSocket is { } socket)
        {
            sent = track.ServerRtcp is { } remote && CountSend(DatagramSender.TrySend(socket, packet, remote));
        }
        else
        {
            sent = track.RtcpChannel >= 0 && _connection is { } connection && connection.TrySendInterleaved((byte)track.RtcpChannel, packet);
        }

        if (sent)
        {
            RtcpPacketsSent++;
            BytesSent += packet.Length;
        }

        return sent;
    }

    protected override void ReleaseResources() => Detach();

    private sealed class TrackState(RtspTrack track, uint ssrc)
    {
        public RtspTrack Track { get; } = track;
        public uint Ssrc { get; } = ssrc;
        public uint CameraSsrc { get; set; }
        public Producer? Producer { get; set; }
        public VideoTrackAnalyzer? Analyzer { get; } = track.IsVideo
            ? new VideoTrackAnalyzer(track.MimeType?.EndsWith("H265", StringComparison.OrdinalIgnoreCase) ?? false, track.ClockRate)
            : null;

        public long Packets { get; set; }
        public long LastPacketTicks { get; set; }
        public int RtcpChannel { get; set; } = -1;

        // UDP
        public Socket? RtpSocket { get; set; }
        public Socket? RtcpSocket { get; set; }
        public SocketRegistration? RtpRegistration { get; set; }
        public SocketRegistration? RtcpRegistration { get; set; }
        public SocketAddress? ServerRtp { get; set; }
        public SocketAddress? ServerRtcp { get; set; }
    }
}
