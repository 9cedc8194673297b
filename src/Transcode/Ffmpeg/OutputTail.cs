namespace Broadcast.Transcode;

/// <summary>The last N lines FFmpeg printed, kept for status pages and error logs; safe across threads.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new(capacity);

    public void Add(string line)
    {
        lock (_gate)
        {
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
