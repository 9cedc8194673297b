using System.Net;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Ice;

/// <summary>A remote transport address that sent a valid check (the local side is the socket's).</summary>
public sealed class IceTuple
{
    internal IceTuple(TransportAddress address, SocketAddress source, long timestamp)
    {
        Address = address;
        SocketAddress = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(SocketAddress.Buffer.Span);
        LastCheckTimestamp = timestamp;
    }

    public TransportAddress Address { get; }

    /// <summary>The agent's own copy of the source, to send to; callers must not modify it.</summary>
    public SocketAddress SocketAddress { get; }

    /// <summary>When the last valid check arrived, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    internal long LastCheckTimestamp { get; set; }

    public override string ToString() => Address.ToString();
}
