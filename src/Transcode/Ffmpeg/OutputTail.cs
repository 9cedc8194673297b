namespace Broadcast.Transcode;

/// <summary>
/// The last N lines FFmpeg printed, kept for status pages and error logs, and a count of every line; safe across
/// threads.
/// </summary>
internal sealed class OutputTail(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new(capacity);
    private long _count;

    /// <summary>Every line added so far, kept or not.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Add(string line)
    {
        lock (_gate)
        {
            _count++;
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    public string? LastLine()
    {
        lock (_gate)
        {
            return _lines.Count == 0 ? null : _lines.Last();
        }
    }
}
