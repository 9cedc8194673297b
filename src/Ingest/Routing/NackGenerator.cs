namespace Broadcast.Ingest.Routing;

/// <summary>
/// Which sequence numbers to NACK (RFC 4585), as mediasoup's NackGenerator decides: every gap adds the missing
/// numbers; a late or retransmitted packet removes its own; each entry is asked for again once a round trip has
/// passed, at most <see cref="MaxRetries"/> times. Gaps older than <see cref="MaxGap"/> are not tracked, and a list
/// that would outgrow <see cref="MaxEntries"/> drops what precedes the last key frame, or is cleared with a key frame
/// request. Pure logic on caller-given times; a fixed array, so nothing is allocated per packet.
/// </summary>
public sealed class NackGenerator
{
    public const int MaxEntries = 1000;
    public const int MaxRetries = 10;
    public const int MaxGap = 10000;

    private readonly Entry[] _entries = new Entry[MaxEntries];
    private int _count;
    private bool _started;
    private ushort _lastSequence;
    private ushort _lastKeyFrameSequence;
    private bool _haveKeyFrame;

    /// <summary>Entries currently waiting for their packet.</summary>
    public int Pending => _count;

    /// <summary>Total sequence numbers given up on after <see cref="MaxRetries"/> requests.</summary>
    public long GivenUp { get; private set; }

    /// <summary>Total sequence numbers recovered (a packet arrived for an entry).</summary>
    public long Recovered { get; private set; }

    /// <summary>Accounts for a received packet; returns true when the gap was too big to track and a key frame is needed.</summary>
    public bool OnPacket(ushort sequence, bool keyFrame)
    {
        if (!_started)
        {
            _started = true;
            _lastSequence = sequence;
            NoteKeyFrame(sequence, keyFrame);
            return false;
        }

        var distance = (short)(sequence - _lastSequence);
        if (distance <= 0)
        {
            // Late or retransmitted: no longer missing.
            if (Remove(sequence))
            {
                Recovered++;
            }

            return false;
        }

        NoteKeyFrame(sequence, keyFrame);
        var keyFrameNeeded = false;
        if (distance > 1)
        {
            keyFrameNeeded = AddMissing((ushort)(_lastSequence + 1), sequence);
        }

        _lastSequence = sequence;
        return keyFrameNeeded;
    }

    /// <summary>
    /// Writes into <paramref name="destination"/> the sequence numbers to request now: those never asked for, and
    /// those asked for more than <paramref name="roundTripMilliseconds"/> ago. Returns how many were written.
    /// </summary>
    public int CollectDue(long nowMilliseconds, long roundTripMilliseconds, Span<ushort> destination)
    {
        var written = 0;
        for (var i = 0; i < _count && written < destination.Length; i++)
        {
            ref var entry = ref _entries[i];
            if (entry.SentAtMilliseconds != 0 && nowMilliseconds - entry.SentAtMilliseconds < roundTripMilliseconds)
            {
                continue;
            }

            destination[written++] = entry.Sequence;
            entry.SentAtMilliseconds = Math.Max(1, nowMilliseconds);
            entry.Retries++;
        }

        // Entries asked for often enough are dropped after being sent their last time.
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Retries >= MaxRetries)
            {
                GivenUp++;
                continue;
            }

            _entries[kept++] = _entries[i];
        }

        _count = kept;
        return written;
    }

    public void Reset()
    {
        _count = 0;
        _started = false;
        _haveKeyFrame = false;
    }

    private void NoteKeyFrame(ushort sequence, bool keyFrame)
    {
        if (keyFrame)
        {
            _lastKeyFrameSequence = sequence;
            _haveKeyFrame = true;
        }
    }

    private bool AddMissing(ushort first, ushort end)
    {
        var missing = (ushort)(end - first);
        if (missing > MaxGap)
        {
            _count = 0;
            return true;
        }

        if (_count + missing > MaxEntries)
        {
            DropBeforeLastKeyFrame();
        }

        if (_count + missing > MaxEntries)
        {
            _count = 0;
            return true;
        }

        for (var sequence = first; sequence != end; sequence++)
        {
            _entries[_count++] = new Entry { Sequence = sequence };
        }

        return false;
    }

    private void DropBeforeLastKeyFrame()
    {
        if (!_haveKeyFrame)
        {
            return;
        }

        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if ((short)(_entries[i].Sequence - _lastKeyFrameSequence) > 0)
            {
                _entries[kept++] = _entries[i];
            }
        }

        _count = kept;
    }

    private bool Remove(ushort sequence)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Sequence == sequence)
            {
                Array.Copy(_entries, i + 1, _entries, i, _count - i - 1);
                _count--;
                return true;
            }
        }

        return false;
    }

    private struct Entry
    {
        public ushort Sequence;
        public long SentAtMilliseconds;
        public int Retries;
    }
}
