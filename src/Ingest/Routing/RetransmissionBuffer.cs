namespace Broadcast.Ingest.Routing;

/// <summary>
/// The last packets of a producer as its consumers send them (after RTX unwrapping and header-extension remapping,
/// before a consumer rewrites PT, SSRC and sequence number), by the producer's sequence number, for answering
/// viewers' NACKs. One buffer per producer, shared by all its consumers (mediasoup keeps one per consumer stream;
/// a thousand viewers would then hold a thousand copies). Fixed memory, allocated once: no allocation per packet.
/// Runs on the router's worker.
/// </summary>
internal sealed class RetransmissionBuffer
{
    /// <summary>Slots; a power of two. 1,024 packets hold about 3 s of a 2.5 Mbit/s video stream.</summary>
    public const int Capacity = 1024;

    /// <summary>Longer packets are not kept (they could not be sent through SRTP with its tag either).</summary>
    public const int MaxPacketLength = 1500;

    private readonly byte[] _data = new byte[Capacity * MaxPacketLength];
    private readonly int[] _lengths = new int[Capacity];
    private readonly ushort[] _sequences = new ushort[Capacity];
    private readonly uint[] _ssrcs = new uint[Capacity];
    private readonly long[] _storedAt = new long[Capacity];

    /// <summary>Keeps a copy of <paramref name="packet"/> under its sequence number, replacing the packet 1,024 before it.</summary>
    public void Store(ReadOnlySpan<byte> packet, uint ssrc, ushort sequence, long nowTicks)
    {
        var slot = sequence & (Capacity - 1);
        if (packet.Length > MaxPacketLength)
        {
            _lengths[slot] = 0;
            return;
        }

        packet.CopyTo(_data.AsSpan(slot * MaxPacketLength, MaxPacketLength));
        _lengths[slot] = packet.Length;
        _sequences[slot] = sequence;
        _ssrcs[slot] = ssrc;
        _storedAt[slot] = nowTicks;
    }

    /// <summary>The packet with this SSRC and sequence number if it is still held; empty otherwise.</summary>
    public ReadOnlySpan<byte> Find(uint ssrc, ushort sequence, out long storedAt)
    {
        var slot = sequence & (Capacity - 1);
        storedAt = _storedAt[slot];
        return _lengths[slot] == 0 || _sequences[slot] != sequence || _ssrcs[slot] != ssrc
            ? default
            : _data.AsSpan(slot * MaxPacketLength, _lengths[slot]);
    }
}
