namespace Broadcast.Transcode;

/// <summary>
/// Decides which output lines reach a log file: at most <c>linesPerSecond</c> in each one-second window, the
/// rest counted so that a summary can say how many were left out. Pure: the caller passes the time; not
/// thread-safe (its owner holds a lock).
/// </summary>
/// <remarks>
/// A publisher sending broken media makes FFmpeg print an error per packet, thousands a second; writing each one
/// costs a file write (and a change notification for anything watching the folder). The lines are still counted
/// and the last ones kept in memory (<see cref="OutputTail"/>); only the file gets the bounded share.
/// </remarks>
internal sealed class LogLineLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly int _linesPerSecond;
    private TimeSpan? _windowStart;
    private int _admitted;
    private long _heldBack;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="linesPerSecond"/> is not positive.</exception>
    public LogLineLimiter(int linesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(linesPerSecond);
        _linesPerSecond = linesPerSecond;
    }

    public int LinesPerSecond => _linesPerSecond;

    /// <summary>Lines held back since the start (summarised or not).</summary>
    public long TotalHeldBack { get; private set; }

    /// <summary>Whether the line seen at <paramref name="now"/> may be written.</summary>
    /// <param name="now">Time on any monotonic clock that only moves forward.</param>
    /// <param name="heldBackBefore">
    /// Lines held back in earlier windows and not yet summarised: when positive, write a summary before the line.
    /// </param>
    public bool Admit(TimeSpan now, out long heldBackBefore)
    {
        heldBackBefore = 0;
        if (_windowStart is not { } start || now - start >= Window)
        {
            heldBackBefore = TakeHeldBack();
            _windowStart = now;
            _admitted = 0;
        }

        if (_admitted < _linesPerSecond)
        {
            _admitted++;
            return true;
        }

        _heldBack++;
        TotalHeldBack++;
        return false;
    }

    /// <summary>Lines held back and not yet summarised; resets the count (for a summary at a run's end).</summary>
    public long TakeHeldBack()
    {
        var heldBack = _heldBack;
        _heldBack = 0;
        return heldBack;
    }
}
