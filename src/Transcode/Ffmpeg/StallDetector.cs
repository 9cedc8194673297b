namespace Broadcast.Transcode;

/// <summary>
/// Decides that FFmpeg is stuck: the newest segment has not changed for <c>limit</c> of time during which media
/// was flowing to it. Time without media does not count, so an idle publisher never looks like a stall.
/// </summary>
internal sealed class StallDetector(TimeSpan limit)
{
    private bool _started;
    private string? _newestSegment;
    private TimeSpan _lastObservedAt;
    private TimeSpan _flowingWithoutProgress;

    /// <summary>Time media has flowed since the last new segment.</summary>
    public TimeSpan FlowingWithoutProgress => _flowingWithoutProgress;

    /// <summary>
    /// Records one observation: <paramref name="now"/> on a monotonic clock, whether media flows, and the newest
    /// segment's name. Returns true once the stall limit is reached.
    /// </summary>
    public bool Observe(TimeSpan now, bool mediaFlowing, string? newestSegment)
    {
        if (!_started || !string.Equals(newestSegment, _newestSegment, StringComparison.Ordinal))
        {
            _started = true;
            _newestSegment = newestSegment;
            _flowingWithoutProgress = TimeSpan.Zero;
        }
        else if (mediaFlowing)
        {
            _flowingWithoutProgress += now - _lastObservedAt;
        }

        _lastObservedAt = now;
        return _flowingWithoutProgress >= limit;
    }
}
