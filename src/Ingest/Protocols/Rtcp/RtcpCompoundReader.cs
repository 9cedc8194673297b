namespace Broadcast.Ingest.Protocols.Rtcp;

/// <summary>
/// Walks the packets of a compound RTCP datagram (RFC 3550 §6.1) in order. Each step yields one header and the
/// exact slice its length field covers; a header that does not parse (wrong version, length past the end, bad
/// padding) ends the walk with <see cref="Malformed"/> set. Every packet is at least four bytes, so the walk always
/// ends. Compounds are not required to lead with SR or RR: reduced-size RTCP (RFC 5506) sends a lone feedback
/// message.
/// </summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _compound;
    private int _offset;
    private bool _malformed;

    public RtcpCompoundReader(ReadOnlySpan<byte> compound)
    {
        _compound = compound;
        _offset = 0;
        _malformed = false;
    }

    /// <summary>True once a packet failed to parse; the packets before it were valid.</summary>
    public readonly bool Malformed => _malformed;

    /// <summary>Reads the next packet; false at the end of the datagram or on a malformed packet.</summary>
    public bool TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        if (_malformed || _offset >= _compound.Length)
        {
            header = default;
            return false;
        }

        var rest = _compound[_offset..];
        if (!RtcpHeader.TryParse(rest, out header))
        {
            _malformed = true;
            return false;
        }

        packet = rest[..header.PacketLength];
        _offset += header.PacketLength;
        return true;
    }
}
