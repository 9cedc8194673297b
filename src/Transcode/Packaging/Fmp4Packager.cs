namespace Broadcast.Transcode.Packaging;

/// <summary>What a multivariant playlist says about a rendition, read from its init segment and its samples.</summary>
/// <param name="MapUri">The init segment's URI.</param>
/// <param name="Codecs">RFC 6381 codecs, comma-separated ("avc1.42e01f,mp4a.40.2").</param>
/// <param name="Width">Video width, 0 without video.</param>
/// <param name="Height">Video height, 0 without video.</param>
public sealed record Fmp4InitFacts(string? MapUri, string Codecs, int Width, int Height);

/// <summary>
/// Cuts FFmpeg's fragments into LL-HLS parts and segments for one <see cref="LiveMediaPlaylist"/>: the leading track
/// (video, else audio) times everything. A part ends before the fragment that would take it past PART-TARGET, so parts
/// never exceed it; a segment ends at the first key frame after the segment target. Fragments before the first key
/// frame of a run are dropped (nothing could decode them). Runs on the one task that reads FFmpeg's output.
/// </summary>
public sealed class Fmp4Packager : IFmp4Sink
{
    private readonly LiveMediaPlaylist _playlist;
    private readonly TimeProvider _time;
    private Fmp4Init? _init;
    private uint _leadingTrack;
    private double _timescale;
    private int _run;
    private bool _runStarted;
    private ulong _segmentStart;
    private ulong _partStart;
    private ulong _leadingEnd;
    private ulong _partTargetTicks;
    private ulong _segmentTargetTicks;
    private DateTimeOffset _wallAnchor;
    private ulong _mediaAnchor;
    private ulong _frameTicks;

    public Fmp4Packager(LiveMediaPlaylist playlist, TimeProvider time)
    {
        _playlist = playlist;
        _time = time;
    }

    /// <summary>Fragments dropped while waiting for a run's first key frame.</summary>
    public long DroppedBeforeKeyFrame { get; private set; }

    /// <summary>Average video frames per second seen in the current run (0 before video).</summary>
    public double FrameRate { get; private set; }

    /// <summary>A new FFmpeg run: its stream starts with a new init segment and new timestamps.</summary>
    public void BeginRun(int run)
    {
        EndRun();
        _run = run;
        _init = null;
    }

    /// <summary>The run's output ended (FFmpeg exited): the open part and segment are published as they are.</summary>
    public void EndRun()
    {
        if (_runStarted && _playlist.Building)
        {
            _playlist.EndSegment(Seconds(_leadingEnd - _partStart));
        }

        _runStarted = false;
    }

    public void OnInit(ReadOnlySpan<byte> bytes, Fmp4Init init)
    {
        EndRun();
        _init = init;
        var leading = init.Leading;
        _leadingTrack = leading.TrackId;
        _timescale = leading.Timescale;
        _partTargetTicks = (ulong)Math.Floor(_playlist.PartTarget * _timescale);
        _segmentTargetTicks = (ulong)Math.Round(_playlist.SegmentTarget * _timescale);
        var video = init.Tracks.FirstOrDefault(t => t.IsVideo);
        var codecs = string.Join(',', init.Tracks.Select(t => t.Codec).Where(c => c is not null));
        _playlist.BeginRun(bytes, _run, new Fmp4InitFacts(null, codecs, video?.Width ?? 0, video?.Height ?? 0));
    }

    public void OnFragment(ReadOnlySpan<byte> bytes, ReadOnlySpan<TrackRun> runs)
    {
        TrackRun? leading = null;
        foreach (var run in runs)
        {
            if (run.TrackId == _leadingTrack)
            {
                leading = run;
            }
        }

        if (leading is not { } lead)
        {
            // Only other tracks (audio between video frames): it belongs to the open part, if any.
            if (_runStarted)
            {
                _playlist.Append(bytes);
            }
            else
            {
                DroppedBeforeKeyFrame++;
            }

            return;
        }

        var start = lead.BaseTime;
        // FFmpeg may not know a fragment's last sample duration yet (RTP input): assume the previous frame's.
        var duration = lead.Duration > 0 ? lead.Duration : _frameTicks;
        if (!_runStarted)
        {
            if (!lead.StartsWithSync)
            {
                DroppedBeforeKeyFrame++;
                return;
            }

            _runStarted = true;
            _wallAnchor = _time.GetUtcNow();
            _mediaAnchor = start;
            StartSegment(start, independent: true);
        }
        else if (lead.StartsWithSync && start - _segmentStart + (_frameTicks / 2) >= _segmentTargetTicks)
        {
            _playlist.EndSegment(Seconds(start - _partStart));
            StartSegment(start, independent: true);
        }
        else if (start + duration - _partStart > _partTargetTicks && start > _partStart)
        {
            _playlist.NextPart(Seconds(start - _partStart), lead.StartsWithSync);
            _partStart = start;
        }

        if (lead.SampleCount > 0 && lead.Duration > 0)
        {
            _frameTicks = lead.Duration / (ulong)lead.SampleCount;
            FrameRate = _init?.Find(_leadingTrack)?.IsVideo == true ? _timescale * lead.SampleCount / lead.Duration : 0;
        }

        _leadingEnd = Math.Max(_leadingEnd, start + duration);
        _playlist.Append(bytes);
    }

    private void StartSegment(ulong start, bool independent)
    {
        _segmentStart = start;
        _partStart = start;
        _leadingEnd = start;
        // Media time, not arrival time: PROGRAM-DATE-TIME advances exactly with the media.
        var programDateTime = _wallAnchor + TimeSpan.FromSeconds((start - _mediaAnchor) / _timescale);
        _playlist.StartSegment(programDateTime, independent);
    }

    private double Seconds(ulong ticks) => ticks / _timescale;
}
