namespace Broadcast.Transcode;

/// <summary>
/// Exponential restart delay: initial, doubling up to max; a run that lasted at least max counts as healthy
/// and starts the sequence again.
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan max)
{
    private readonly TimeSpan _initial = initial;
    private readonly TimeSpan _max = max;
    private TimeSpan _next = initial;

    /// <summary>The delay before the next start, given how long the run that just ended lasted.</summary>
    public TimeSpan Next(TimeSpan lastRunDuration)
    {
        if (lastRunDuration >= _max)
        {
            _next = _initial;
        }

        var delay = _next;
        _next = _next * 2 > _max ? _max : _next * 2;
        return delay;
    }
}
