namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// The ICE reading of USERNAME (RFC 8445 §7.2.2): <c>"&lt;receiver's ufrag&gt;:&lt;sender's ufrag&gt;"</c>. A port shared
/// by many transports routes the first request of a new 5-tuple by the local (receiver's) ufrag, read here
/// without allocating.
/// </summary>
public static class StunUsername
{
    private const byte Separator = (byte)':';
    private const byte MaxAscii = 0x7F;

    /// <summary>Splits a USERNAME value at its first colon; false when there is none or the local part is empty.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> username, out ReadOnlySpan<byte> localUfrag, out ReadOnlySpan<byte> remoteUfrag)
    {
        var colon = username.IndexOf(Separator);
        if (colon <= 0)
        {
            localUfrag = default;
            remoteUfrag = default;
            return false;
        }

        localUfrag = username[..colon];
        remoteUfrag = username[(colon + 1)..];
        return true;
    }

    /// <summary>The local ufrag of a STUN datagram's USERNAME, as a slice of the datagram.</summary>
    public static bool TryGetLocalUfrag(ReadOnlySpan<byte> datagram, out ReadOnlySpan<byte> ufrag)
    {
        ufrag = default;
        return StunMessage.TryParse(datagram, out var message)
            && TrySplit(message.Username(datagram), out ufrag, out _);
    }

    /// <summary>
    /// The local ufrag as characters, for a lookup through a string dictionary's span-keyed alternate lookup.
    /// ICE ufrags are ASCII (RFC 8839 ice-char); anything else, or a destination too short, gives false.
    /// </summary>
    public static bool TryGetLocalUfrag(ReadOnlySpan<byte> datagram, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (!TryGetLocalUfrag(datagram, out ReadOnlySpan<byte> ufrag) || ufrag.Length > destination.Length)
        {
            return false;
        }

        for (var i = 0; i < ufrag.Length; i++)
        {
            if (ufrag[i] > MaxAscii)
            {
                return false;
            }

            destination[i] = (char)ufrag[i];
        }

        charsWritten = ufrag.Length;
        return true;
    }
}
