using System.Buffers.Binary;

namespace Broadcast.Transcode.Muxing;

/// <summary>Receives one RTP stream's packets in sequence order from an <see cref="RtpReorderBuffer"/>.</summary>
public interface IOrderedRtpReceiver
{
    /// <summary>The next packet; <paramref name="afterLoss"/> when packets before it were given up as lost.</summary>
    void OnOrderedRtp(ReadOnlySpan<byte> packet, bool afterLoss);
}

/// <summary>
/// Puts one RTP stream back in sequence-number order, as a depacketiser needs it: a packet that arrives early waits
/// (a copy, in a slot kept for the stream's life) for the ones before it, which a retransmission may still bring; a
/// hole is given up once a packet has waited <c>maxWait</c> or the window is full. Late and duplicate packets are
/// dropped and counted. Time is the caller's arrival timestamps (no timer of its own).
/// </summary>
public sealed class RtpReorderBuffer
{
    public const int Capacity = 64;
    private readonly byte[]?[] _slots = new byte[Capacity][];
    private readonly int[] _lengths = new int[Capacity];
    private readonly long[] _arrivals = new long[Capacity];
    private readonly long _maxWaitTicks;
    private ushort _next;
    private bool _started;
    private int _buffered;

    /// <param name="maxWaitTicks">How long (in the caller's timestamp units) an early packet waits for a missing one.</param>
    public RtpReorderBuffer(long maxWaitTicks) => _maxWaitTicks = maxWaitTicks;

    /// <summary>Packets given up on (never arrived in time).</summary>
    public long Lost { get; private set; }

    /// <summary>Packets that came after their turn had passed, or twice.</summary>
    public long LateOrDuplicate { get; private set; }

    /// <summary>Takes a packet (at least a 12-byte RTP header) and hands every packet now in order to <paramref name="receiver"/>.</summary>
    public void Push(ReadOnlySpan<byte> packet, long arrival, IOrderedRtpReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (!_started)
        {
            _started = true;
            _next = sequence;
        }

        var ahead = (short)(sequence - _next);
        if (ahead < 0)
        {
            LateOrDuplicate++;
            return;
        }

        if (ahead == 0)
        {
            _next++;
            receiver.OnOrderedRtp(packet, afterLoss: false);
            Drain(receiver);
        }
        else if (ahead >= Capacity)
        {
            // A jump beyond the window (a new source, or a long outage): what waits goes out, then this.
            FlushAll(receiver);
            Lost += (ushort)(sequence - _next);
            _next = (ushort)(sequence + 1);
            receiver.OnOrderedRtp(packet, afterLoss: true);
        }
        else
        {
            var slot = sequence % Capacity;
            if (_lengths[slot] > 0)
            {
                LateOrDuplicate++;
                return;
            }

            if (_slots[slot] is not { } copy || copy.Length < packet.Length)
            {
                _slots[slot] = copy = new byte[Math.Max(packet.Length, 1500)];
            }

            packet.CopyTo(copy);
            _lengths[slot] = packet.Length;
            _arrivals[slot] = arrival;
            _buffered++;
        }

        while (_buffered > 0 && arrival - OldestArrival() > _maxWaitTicks)
        {
            SkipHole(receiver);
        }
    }

    private long OldestArrival()
    {
        var oldest = long.MaxValue;
        for (var i = 0; i < Capacity; i++)
        {
            if (_lengths[i] > 0 && _arrivals[i] < oldest)
            {
                oldest = _arrivals[i];
            }
        }

        return oldest;
    }

    // Gives up on the packets missing before the first one waiting, then delivers what is in order from there.
    private void SkipHole(IOrderedRtpReceiver receiver)
    {
        while (_lengths[_next % Capacity] == 0)
        {
            _next++;
            Lost++;
        }

        var afterLoss = true;
        while (_lengths[_next % Capacity] is > 0 and var length)
        {
            var slot = _next % Capacity;
            _lengths[slot] = 0;
            _buffered--;
            _next++;
            receiver.OnOrderedRtp(_slots[slot].AsSpan(0, length), afterLoss);
            afterLoss = false;
        }
    }

    private void Drain(IOrderedRtpReceiver receiver)
    {
        while (_buffered > 0 && _lengths[_next % Capacity] is > 0 and var length)
        {
            var slot = _next % Capacity;
            _lengths[slot] = 0;
            _buffered--;
            _next++;
            receiver.OnOrderedRtp(_slots[slot].AsSpan(0, length), afterLoss: false);
        }
    }

    private void FlushAll(IOrderedRtpReceiver receiver)
    {
        while (_buffered > 0)
        {
            SkipHole(receiver);
        }
    }
}
