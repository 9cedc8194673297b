using Broadcast.Ingest.Protocols.Codecs;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// Watches a camera's video packets to tell the admin what the stream really is: frames a second (from RTP
/// timestamps over windows of two seconds or more), the key-frame interval, B-frames (H.264 slice types) and the
/// picture size of in-band parameter sets. Runs on the router's worker, allocates nothing.
/// </summary>
internal sealed class VideoTrackAnalyzer(bool h265, int clockRate)
{
    private const double WindowSeconds = 2;
    private const double MaxPlausibleGapSeconds = 60;

    private bool _started;
    private uint _lastTimestamp;
    private uint _windowStart;
    private int _windowFrames;
    private const int IntervalsKept = 8;

    private bool _haveKeyFrame;
    private uint _lastKeyTimestamp;
    private readonly double[] _recentIntervals = new double[IntervalsKept];
    private int _intervalCount;

    public long Frames { get; private set; }
    public long KeyFrames { get; private set; }
    public double? FrameRate { get; private set; }
    /// <summary>
    /// The longest of the last eight key-frame intervals: the camera's own cadence. Key frames we request (PLI for the
    /// HLS pipeline, which a GStreamer or ONVIF camera may honour) only ever shorten an interval, so the last one alone
    /// would under-report the GOP the segments depend on.
    /// </summary>
    public double? KeyFrameIntervalSeconds { get; private set; }

    /// <summary>True once a B slice was seen; null for H.265 (its slice headers need the PPS to read).</summary>
    public bool? BFrames => h265 ? null : _bFrames;

    public int? Width { get; private set; }
    public int? Height { get; private set; }

    private bool _bFrames;

    public void OnPacket(in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        var timestamp = header.Timestamp;
        if (!_started || timestamp != _lastTimestamp)
        {
            OnFrame(timestamp);
        }

        if (h265)
        {
            if (H265Payload.IsKeyFrame(payload))
            {
                OnKeyFrame(timestamp);
                ReadH265Size(payload);
            }

            return;
        }

        if (H264Payload.IsKeyFrame(payload))
        {
            OnKeyFrame(timestamp);
            ReadH264Size(payload);
        }

        if (!_bFrames && H264Payload.TryGetSliceType(payload, out var sliceType) && sliceType % 5 == 1)
        {
            _bFrames = true;
        }
    }

    private void OnFrame(uint timestamp)
    {
        Frames++;
        if (!_started)
        {
            _started = true;
            _windowStart = timestamp;
            _windowFrames = 0;
        }
        else
        {
            _windowFrames++;
            var span = (int)(timestamp - _windowStart) / (double)clockRate;
            if (span >= WindowSeconds && span < MaxPlausibleGapSeconds)
            {
                FrameRate = Math.Round(_windowFrames / span, 2);
                _windowStart = timestamp;
                _windowFrames = 0;
            }
            else if (span < 0 || span >= MaxPlausibleGapSeconds)
            {
                _windowStart = timestamp; // a jump (restart, wrap of a broken clock): start over
                _windowFrames = 0;
            }
        }

        _lastTimestamp = timestamp;
    }

    private void OnKeyFrame(uint timestamp)
    {
        if (_haveKeyFrame && timestamp == _lastKeyTimestamp)
        {
            return; // the SPS and the IDR of one frame
        }

        KeyFrames++;
        if (_haveKeyFrame)
        {
            var interval = (int)(timestamp - _lastKeyTimestamp) / (double)clockRate;
            if (interval > 0 && interval < MaxPlausibleGapSeconds)
            {
                _recentIntervals[_intervalCount++ % IntervalsKept] = interval;
                var longest = 0.0;
                for (var i = 0; i < Math.Min(_intervalCount, IntervalsKept); i++)
                {
                    longest = Math.Max(longest, _recentIntervals[i]);
                }

                KeyFrameIntervalSeconds = Math.Round(longest, 3);
            }
        }

        _haveKeyFrame = true;
        _lastKeyTimestamp = timestamp;
    }

    // A parameter set alone or first in an aggregate: they come with key frames, so this runs about once a second.
    private void ReadH264Size(ReadOnlySpan<byte> payload)
    {
        var nal = payload.Length > 3 && (payload[0] & 0x1F) == 24 ? payload[3..] : payload;
        if (H264SequenceParameterSet.TryParse(nal, out var sps))
        {
            (Width, Height) = (sps.Width, sps.Height);
        }
    }

    private void ReadH265Size(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 5)
        {
            return;
        }

        var isAggregate = H265Payload.NalType(payload[0]) == 48;
        var units = isAggregate ? payload[2..] : payload;
        while (isAggregate && units.Length > 4)
        {
            var size = (units[0] << 8) | units[1];
            if (size < 2 || size + 2 > units.Length)
            {
                return;
            }

            if (H265SequenceParameterSet.TryParse(units.Slice(2, size), out var inAggregate))
            {
                (Width, Height) = (inAggregate.Width, inAggregate.Height);
                return;
            }

            units = units[(size + 2)..];
        }

        if (!isAggregate && H265SequenceParameterSet.TryParse(units, out var sps))
        {
            (Width, Height) = (sps.Width, sps.Height);
        }
    }
}
