namespace Broadcast.Ingest.Sources;

/// <summary>
/// Hands interleaved frames from a connection's reader task (one producer) to a media worker (one consumer) without
/// allocating: frames are copied into one circular byte buffer and described in a ring of slots. Both are bounded;
/// a frame that does not fit is dropped and counted (the reader never waits for the worker).
/// </summary>
internal sealed class InterleavedFrameQueue
{
    private readonly byte[] _data;
    private readonly Slot[] _slots;
    private readonly int _slotMask;
    private long _slotsWritten;
    private long _slotsRead;
    private long _bytesWritten;
    private long _bytesRead;
    private long _dropped;

    /// <param name="byteCapacity">Bytes of frames in flight.</param>
    /// <param name="slotCapacity">Frames in flight; a power of two.</param>
    public InterleavedFrameQueue(int byteCapacity, int slotCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(byteCapacity, ushort.MaxValue + 1);
        if (slotCapacity < 2 || (slotCapacity & (slotCapacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotCapacity), "The slot capacity must be a power of two.");
        }

        _data = GC.AllocateUninitializedArray<byte>(byteCapacity);
        _slots = new Slot[slotCapacity];
        _slotMask = slotCapacity - 1;
    }

    /// <summary>Frames dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames waiting for the consumer.</summary>
    public int Count => (int)(Volatile.Read(ref _slotsWritten) - Volatile.Read(ref _slotsRead));

    /// <summary>Producer side: copies the frame in; false (and counted) when it does not fit.</summary>
    public bool TryEnqueue(byte channel, ReadOnlySpan<byte> payload)
    {
        var slot = _slotsWritten;
        if (slot - Volatile.Read(ref _slotsRead) >= _slots.Length || payload.Length > _data.Length)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        // Frames are contiguous: one that would cross the end starts over at 0, and the tail is left unused.
        var start = _bytesWritten;
        var offset = (int)(start % _data.Length);
        if (offset + payload.Length > _data.Length)
        {
            start += _data.Length - offset;
            offset = 0;
        }

        var end = start + payload.Length;
        if (end - Volatile.Read(ref _bytesRead) > _data.Length)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        payload.CopyTo(_data.AsSpan(offset));
        _slots[slot & _slotMask] = new Slot(end, offset, payload.Length, channel);
        _bytesWritten = end;
        Volatile.Write(ref _slotsWritten, slot + 1); // publishes the slot and its bytes
        return true;
    }

    /// <summary>
    /// Consumer side: hands every queued frame to <paramref name="deliver"/> in order. The span may be rewritten in
    /// place during the call and is released after it.
    /// </summary>
    public int Drain<TState>(TState state, FrameHandler<TState> deliver)
    {
        var delivered = 0;
        var read = _slotsRead;
        while (read < Volatile.Read(ref _slotsWritten))
        {
            var slot = _slots[read & _slotMask];
            deliver(state, slot.Channel, _data.AsSpan(slot.Offset, slot.Length));
            Volatile.Write(ref _bytesRead, slot.End);
            Volatile.Write(ref _slotsRead, ++read);
            delivered++;
        }

        return delivered;
    }

    public delegate void FrameHandler<in TState>(TState state, byte channel, Span<byte> payload);

    private readonly record struct Slot(long End, int Offset, int Length, byte Channel);
}
