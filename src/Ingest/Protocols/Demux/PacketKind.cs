namespace Broadcast.Ingest.Protocols.Demux;

/// <summary>What a datagram on a shared port carries (RFC 7983).</summary>
public enum PacketKind
{
    Unknown,
    Stun,
    Dtls,
    Rtp,
    Rtcp,
}
