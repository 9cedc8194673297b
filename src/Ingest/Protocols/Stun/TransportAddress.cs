using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Broadcast.Ingest.Protocols.Stun;

/// <summary>
/// An IP address and UDP port as a value: what a STUN XOR-MAPPED-ADDRESS carries and how ICE keys a remote
/// 5-tuple (the local side and the protocol are fixed by the socket). Read from a <see cref="SocketAddress"/>
/// without allocating; an IPv4-mapped IPv6 address (from a dual-stack socket) becomes the IPv4 address.
/// </summary>
public readonly struct TransportAddress : IEquatable<TransportAddress>
{
    private const int IPv4Length = 4;
    private const int IPv6Length = 16;

    // sockaddr_in and sockaddr_in6 share the port at bytes 2–3 (network order); the address follows at 4 (IPv4)
    // or 8 (IPv6, after the flow label) on every platform .NET runs on.
    private const int SockaddrPortOffset = 2;
    private const int SockaddrIPv4Offset = 4;
    private const int SockaddrIPv6Offset = 8;

    // The address in network order: IPv4 in the low 32 bits of _low, IPv6 as two big-endian halves.
    private readonly ulong _high;
    private readonly ulong _low;

    private TransportAddress(bool isIPv6, ulong high, ulong low, ushort port)
    {
        IsIPv6 = isIPv6;
        _high = high;
        _low = low;
        Port = port;
    }

    public bool IsIPv6 { get; }

    public ushort Port { get; }

    /// <summary>4 or 16.</summary>
    public int AddressLength => IsIPv6 ? IPv6Length : IPv4Length;

    /// <summary>An address from its bytes in network order (4 or 16 of them).</summary>
    public static TransportAddress FromBytes(ReadOnlySpan<byte> address, ushort port) => address.Length switch
    {
        IPv4Length => new TransportAddress(false, 0, BinaryPrimitives.ReadUInt32BigEndian(address), port),
        IPv6Length => Normalize(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port),
        _ => throw new ArgumentException("An IP address has 4 or 16 bytes.", nameof(address)),
    };

    /// <summary>The source of a received datagram; a socket address that is not IPv4 or IPv6 is a caller bug.</summary>
    public static TransportAddress FromSocketAddress(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span[..socketAddress.Size];
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes[SockaddrPortOffset..]);
        return socketAddress.Family switch
        {
            AddressFamily.InterNetwork => FromBytes(bytes.Slice(SockaddrIPv4Offset, IPv4Length), port),
            AddressFamily.InterNetworkV6 => FromBytes(bytes.Slice(SockaddrIPv6Offset, IPv6Length), port),
            _ => throw new ArgumentException($"Not an IP socket address: {socketAddress.Family}.", nameof(socketAddress)),
        };
    }

    public static TransportAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[IPv6Length];
        endPoint.Address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written], (ushort)endPoint.Port);
    }

    /// <summary>Writes the 4 or 16 address bytes in network order; returns how many.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
            return IPv6Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        return IPv4Length;
    }

    /// <summary>Allocates: for logs, statistics and the API, not for the packet path.</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[IPv6Length];
        var length = WriteAddress(bytes);
        return new IPEndPoint(new IPAddress(bytes[..length]), Port);
    }

    public bool Equals(TransportAddress other) =>
        IsIPv6 == other.IsIPv6 && _high == other._high && _low == other._low && Port == other.Port;

    public override bool Equals(object? obj) => obj is TransportAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(IsIPv6, _high, _low, Port);

    public override string ToString() => ToIPEndPoint().ToString();

    public static bool operator ==(TransportAddress left, TransportAddress right) => left.Equals(right);

    public static bool operator !=(TransportAddress left, TransportAddress right) => !left.Equals(right);

    // ::ffff:a.b.c.d is the IPv4 address a.b.c.d seen through a dual-stack socket.
    private static TransportAddress Normalize(ulong high, ulong low, ushort port) =>
        high == 0 && (low >> 32) == 0x0000_FFFF
            ? new TransportAddress(false, 0, low & 0xFFFF_FFFF, port)
            : new TransportAddress(true, high, low, port);
}
