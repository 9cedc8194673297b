namespace Broadcast.Ingest.Sources;

/// <summary>Capped exponential backoff: the first wait, then twice the previous, up to the ceiling, until reset.</summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public ReconnectBackoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max;
        _next = initial;
    }

    public TimeSpan Next()
    {
        var wait = _next;
        _next = TimeSpan.FromTicks(Math.Min(_max.Ticks, _next.Ticks * 2));
        return wait;
    }

    public void Reset() => _next = _initial;
}
