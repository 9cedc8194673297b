using System.Buffers.Binary;
using Broadcast.Ingest.Protocols.Codecs;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Transports;
using Broadcast.Transcode.Packaging;

namespace Broadcast.Transcode.Muxing;

/// <summary>The H.264 stream a muxer reads: its SSRC and any parameter sets the SDP signalled.</summary>
public sealed record MuxVideoTrack(uint Ssrc, byte[]? Sps, byte[]? Pps);

/// <summary>The AAC stream a muxer reads (RFC 3640 mpeg4-generic): its SSRC, clock, channels, config and AU-header widths.</summary>
public sealed record MuxAudioTrack(uint Ssrc, int ClockRate, int Channels, byte[] AudioSpecificConfig, int SizeLength = 13, int IndexLength = 3,
    int IndexDeltaLength = 3);

/// <summary>Where a muxer's output goes: each run (an init segment and the fragments after it) and its requests.</summary>
public interface IMuxOutput
{
    /// <summary>A new run starts (first key frame, or new parameter sets): its init segment follows on the sink returned.</summary>
    IFmp4Sink BeginRun();

    /// <summary>The current run ended.</summary>
    void EndRun();

    /// <summary>Pictures were lost: the publisher should send a key frame.</summary>
    void RequestKeyFrame();

    /// <summary>The stream cannot be muxed here (pictures out of presentation order): another packager must take over.</summary>
    void Unsupported(string reason);
}

/// <summary>
/// The appliance's own RTP → fragmented MP4 muxer for channels whose media is copied (H.264 and/or AAC), so that such a
/// channel runs no FFmpeg: a channel's consumers hand it their packets on the router's worker (through a
/// <see cref="DirectTransport"/>); it puts each stream in order, depacketises pictures and AAC frames, and writes one
/// fragment per picture (audio batched between pictures) in the shape FFmpeg's fMP4 output has, to the same packager.
/// A picture is written when the next one arrives, which gives its exact duration. Audio is placed on the video's
/// timeline by arrival time. Damaged pictures are dropped up to the next key frame (one is asked for). Pictures out of
/// presentation order (B-frames) are refused through <see cref="IMuxOutput.Unsupported"/>. Nothing is allocated per
/// packet: every buffer is kept and reused.
/// </summary>
public sealed class RtpFmp4Muxer : IDirectTransportSink
{
    private const int AudioBatchLimit = 64;
    private readonly MuxVideoTrack? _videoTrack;
    private readonly MuxAudioTrack? _audioTrack;
    private readonly IMuxOutput _output;
    private readonly TimeProvider _time;
    private readonly VideoPath? _video;
    private readonly AudioPath? _audio;
    private readonly Mp4Writer _fragment = new(64 * 1024);
    private IFmp4Sink? _sink;
    private uint _sequence;
    private bool _refused;
    private long _runWallOrigin;
    private long _lastKeyFrameRequest;

    public RtpFmp4Muxer(MuxVideoTrack? video, MuxAudioTrack? audio, IMuxOutput output, TimeProvider time)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("A muxer needs a video or an audio track.");
        }

        _videoTrack = video;
        _audioTrack = audio;
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        var maxWait = time.TimestampFrequency / 10; // 100 ms: a retransmission's round trip, then a hole is given up
        if (video is not null)
        {
            _video = new VideoPath(this, new RtpReorderBuffer(maxWait));
            _video.Assembler.SetParameterSets(video.Sps, video.Pps);
        }

        if (audio is not null)
        {
            _audio = new AudioPath(this, new RtpReorderBuffer(maxWait),
                new AacDepacketizer(audio.SizeLength, audio.IndexLength, audio.IndexDeltaLength));
        }
    }

    /// <summary>Pictures written.</summary>
    public long PicturesWritten { get; private set; }

    /// <summary>AAC frames written.</summary>
    public long AudioFramesWritten { get; private set; }

    /// <summary>Pictures dropped: damaged, or waiting for a key frame after damage or at the start.</summary>
    public long PicturesDropped { get; private set; }

    /// <summary>Audio frames dropped (before the first picture, or behind the timeline).</summary>
    public long AudioFramesDropped { get; private set; }

    /// <summary>Packets dropped before depacketising: malformed, unknown SSRC, late or duplicate.</summary>
    public long PacketsDropped { get; private set; }

    /// <summary>Packets given up as lost by the reorder buffers.</summary>
    public long PacketsLost => (_video?.Reorder.Lost ?? 0) + (_audio?.Reorder.Lost ?? 0);

    /// <summary>The muxer refused the stream (see <see cref="IMuxOutput.Unsupported"/>) and ignores what follows.</summary>
    public bool Refused => _refused;

    public void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (_refused || packet.Length < RtpHeader.FixedLength || (packet[0] >> 6) != 2)
        {
            PacketsDropped++;
            return;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        var now = _time.GetTimestamp();
        if (_video is not null && ssrc == _videoTrack!.Ssrc)
        {
            _video.Reorder.Push(packet, now, _video);
        }
        else if (_audio is not null && ssrc == _audioTrack!.Ssrc)
        {
            _audio.Reorder.Push(packet, now, _audio);
            if (_video is null)
            {
                WriteAudio(); // audio alone: a fragment per packet, as soon as it is here
            }
        }
        else
        {
            PacketsDropped++;
        }
    }

    public void OnRtcp(ReadOnlySpan<byte> packet)
    {
        // Sender reports of our own consumers carry arrival time only: the timeline is already arrival-anchored.
    }

    /// <summary>The feed stopped: the last picture and audio are written and the run ends.</summary>
    public void End()
    {
        if (_sink is not null)
        {
            _video?.WritePending(final: true);
            WriteAudio();
            _sink = null;
            _output.EndRun();
        }
    }

    private bool RunStarted => _sink is not null;

    private void StartRun(long videoOrigin)
    {
        _video?.WritePending(final: true);
        WriteAudio();
        if (_sink is not null)
        {
            _output.EndRun();
        }

        var video = _video is null ? null : _video.Config();
        var audio = _audioTrack is null ? null : new AacTrackConfig(_audioTrack.AudioSpecificConfig, _audioTrack.ClockRate, _audioTrack.Channels);
        var init = Fmp4Writer.WriteInit(video, audio);
        _sink = _output.BeginRun();
        var ftyp = (int)BinaryPrimitives.ReadUInt32BigEndian(init);
        _sink.OnInit(init, Fmp4Init.Parse(init.AsSpan(ftyp + 8)));
        _runWallOrigin = _time.GetTimestamp();
        _video?.StartRun(videoOrigin);
        _audio?.StartRun();
    }

    private void WriteAudio() => _audio?.Write();

    private void Emit(uint trackId, ulong baseTime, ReadOnlySpan<Fmp4Sample> samples, ReadOnlySpan<byte> data, ulong duration)
    {
        Fmp4Writer.WriteFragment(_fragment, ++_sequence, trackId, baseTime, samples, data);
        Span<TrackRun> runs = stackalloc TrackRun[1];
        runs[0] = new TrackRun(trackId, baseTime, duration, samples.Length, samples[0].Sync);
        _sink!.OnFragment(_fragment.Written, runs);
    }

    private void AskForKeyFrame()
    {
        var now = _time.GetTimestamp();
        if (_lastKeyFrameRequest == 0 || now - _lastKeyFrameRequest >= _time.TimestampFrequency)
        {
            _lastKeyFrameRequest = now;
            _output.RequestKeyFrame();
        }
    }

    private void Refuse(string reason)
    {
        if (!_refused)
        {
            _refused = true;
            _output.Unsupported(reason);
        }
    }

    private static long Unwrap(uint timestamp, ref long last, ref bool seen)
    {
        if (!seen)
        {
            seen = true;
            last = timestamp;
            return last;
        }

        last += (int)(timestamp - (uint)last);
        return last;
    }

    private sealed class VideoPath(RtpFmp4Muxer muxer, RtpReorderBuffer reorder) : IOrderedRtpReceiver, IAccessUnitReceiver
    {
        private const uint TrackId = 1;
        private byte[] _pending = new byte[256 * 1024];
        private int _pendingLength;
        private long _pendingTime;
        private bool _pendingKey;
        private bool _hasPending;
        private long _origin;
        private long _lastTimestamp;
        private bool _seen;
        private bool _waitForKeyFrame = true;
        private int _runParameterSets = -1;
        private uint _lastDuration = Fmp4Writer.VideoTimescale / 30;

        public RtpReorderBuffer Reorder { get; } = reorder;

        public H264AccessUnitAssembler Assembler { get; } = new();

        public void OnOrderedRtp(ReadOnlySpan<byte> packet, bool afterLoss)
        {
            if (!RtpHeader.TryParse(packet, out var header))
            {
                muxer.PacketsDropped++;
                return;
            }

            Assembler.Push(header.Payload(packet), header.Timestamp, header.Marker, afterLoss, this);
        }

        public void OnAccessUnit(ReadOnlySpan<byte> sample, uint timestamp, bool keyFrame, bool damaged)
        {
            if (muxer._refused)
            {
                return;
            }

            var time = Unwrap(timestamp, ref _lastTimestamp, ref _seen);
            if (damaged || (_waitForKeyFrame && !keyFrame))
            {
                muxer.PicturesDropped++;
                _waitForKeyFrame = true;
                muxer.AskForKeyFrame();
                return;
            }

            if (keyFrame && (!muxer.RunStarted || Assembler.ParameterSetVersion != _runParameterSets))
            {
                if (Assembler.Sps is null || Assembler.Pps is null || !H264SequenceParameterSet.TryParse(Assembler.Sps, out _))
                {
                    muxer.PicturesDropped++;
                    muxer.AskForKeyFrame();
                    return;
                }

                muxer.StartRun(time);
            }

            _waitForKeyFrame = false;
            if (_hasPending)
            {
                var duration = time - _pendingTime;
                if (duration < 0)
                {
                    muxer.Refuse("pictures arrive out of presentation order (B-frames)");
                    return;
                }

                if (duration == 0)
                {
                    Append(sample); // more slices of the same picture after a marker
                    return;
                }

                _lastDuration = (uint)Math.Min(duration, uint.MaxValue);
                Write(_lastDuration);
            }

            _pendingLength = 0;
            Append(sample);
            _pendingTime = time;
            _pendingKey = keyFrame;
            _hasPending = true;
        }

        public H264TrackConfig Config()
        {
            H264SequenceParameterSet.TryParse(Assembler.Sps, out var sps);
            _runParameterSets = Assembler.ParameterSetVersion;
            return new H264TrackConfig(Assembler.Sps!, Assembler.Pps!, sps.Width, sps.Height);
        }

        public void StartRun(long origin)
        {
            _origin = origin;
            _hasPending = false;
        }

        public void WritePending(bool final)
        {
            if (_hasPending && final && muxer.RunStarted)
            {
                Write(_lastDuration);
            }

            _hasPending = false;
        }

        private void Write(uint duration)
        {
            muxer.WriteAudio();
            var baseTime = (ulong)Math.Max(_pendingTime - _origin, 0);
            Span<Fmp4Sample> samples = stackalloc Fmp4Sample[1];
            samples[0] = new Fmp4Sample(_pendingLength, duration, _pendingKey);
            muxer.Emit(TrackId, baseTime, samples, _pending.AsSpan(0, _pendingLength), duration);
            muxer.PicturesWritten++;
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            if (_pendingLength + bytes.Length > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + bytes.Length));
            }

            bytes.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += bytes.Length;
        }
    }

    private sealed class AudioPath(RtpFmp4Muxer muxer, RtpReorderBuffer reorder, AacDepacketizer depacketizer) : IOrderedRtpReceiver, IAacReceiver
    {
        private const uint FrameSamples = 1024;
        private readonly Fmp4Sample[] _samples = new Fmp4Sample[AudioBatchLimit];
        private byte[] _data = new byte[16 * 1024];
        private int _dataLength;
        private int _count;
        private ulong _batchStart;
        private long _origin;
        private bool _anchored;
        private long _lastTimestamp;
        private bool _seen;

        public RtpReorderBuffer Reorder { get; } = reorder;

        private uint TrackId => muxer._videoTrack is null ? 1u : 2u; // after video, as the init segment has it

        public void OnOrderedRtp(ReadOnlySpan<byte> packet, bool afterLoss)
        {
            if (!RtpHeader.TryParse(packet, out var header))
            {
                muxer.PacketsDropped++;
                return;
            }

            depacketizer.Push(header.Payload(packet), header.Timestamp, header.Marker, afterLoss, this);
        }

        public void OnAacFrame(ReadOnlySpan<byte> frame, uint timestamp)
        {
            var time = Unwrap(timestamp, ref _lastTimestamp, ref _seen);
            if (muxer._refused || (!muxer.RunStarted && muxer._video is not null))
            {
                muxer.AudioFramesDropped++;
                return;
            }

            if (!muxer.RunStarted)
            {
                muxer.StartRun(0);
            }

            if (!_anchored)
            {
                // This frame's place on the run's timeline: how long after the run's first picture it arrived.
                var elapsed = (muxer._time.GetTimestamp() - muxer._runWallOrigin) * muxer._audioTrack!.ClockRate / muxer._time.TimestampFrequency;
                _origin = time - elapsed;
                _anchored = true;
            }

            var at = time - _origin;
            var expected = _batchStart + ((ulong)_count * FrameSamples);
            if (at < 0 || (_count > 0 && (ulong)at < expected))
            {
                muxer.AudioFramesDropped++; // behind what was written: the timeline never goes back
                return;
            }

            if (_count > 0 && (ulong)at != expected)
            {
                Write(); // a gap: the next fragment's tfdt says where the audio resumes
            }

            if (_count == 0)
            {
                _batchStart = (ulong)at;
            }

            if (_dataLength + frame.Length > _data.Length)
            {
                Array.Resize(ref _data, Math.Max(_data.Length * 2, _dataLength + frame.Length));
            }

            frame.CopyTo(_data.AsSpan(_dataLength));
            _dataLength += frame.Length;
            _samples[_count++] = new Fmp4Sample(frame.Length, FrameSamples, Sync: true);
            if (_count == AudioBatchLimit)
            {
                Write();
            }
        }

        public void StartRun()
        {
            _anchored = false;
            _count = 0;
            _dataLength = 0;
        }

        public void Write()
        {
            if (_count == 0 || !muxer.RunStarted)
            {
                return;
            }

            muxer.Emit(TrackId, _batchStart, _samples.AsSpan(0, _count), _data.AsSpan(0, _dataLength), (ulong)_count * FrameSamples);
            muxer.AudioFramesWritten += _count;
            _batchStart += (ulong)_count * FrameSamples;
            _count = 0;
            _dataLength = 0;
        }
    }
}
