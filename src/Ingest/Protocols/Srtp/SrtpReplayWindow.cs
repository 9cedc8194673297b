namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// The highest index accepted from one source and a bitmask of the 128 before it (RFC 3711 §3.3.2, libsrtp's
/// default size): a packet is a replay when its bit is set or it is older than the window. Kept by value in a
/// dictionary, so a stream costs no object.
/// </summary>
internal struct SrtpReplayWindow
{
    public const int Size = 128;

    // Bit d set: index Highest − d was accepted.
    private UInt128 _accepted;

    public static SrtpReplayWindow Start(ulong index) => new() { Highest = index, _accepted = UInt128.One };

    public ulong Highest { get; private set; }

    public readonly bool IsReplay(ulong index)
    {
        if (index > Highest)
        {
            return false;
        }

        var delta = Highest - index;
        return delta >= Size || ((_accepted >> (int)delta) & UInt128.One) != UInt128.Zero;
    }

    public void Accept(ulong index)
    {
        if (index > Highest)
        {
            var delta = index - Highest;
            _accepted = delta >= Size ? UInt128.One : (_accepted << (int)delta) | UInt128.One;
            Highest = index;
        }
        else
        {
            _accepted |= UInt128.One << (int)(Highest - index);
        }
    }
}
