using System.Net;
using System.Net.Sockets;

namespace Broadcast.Ingest.Net;

/// <summary>What became of one datagram handed to <see cref="DatagramSender.TrySend"/>.</summary>
public enum DatagramSendResult
{
    /// <summary>The kernel took it.</summary>
    Sent,

    /// <summary>A full buffer, or an ICMP error reported for an earlier send: the datagram is lost.</summary>
    Failed,

    /// <summary>The socket was closed meanwhile (its owner is going away); not an error.</summary>
    SocketClosed,
}

/// <summary>Sends datagrams from a media worker without ever blocking it or throwing.</summary>
public static class DatagramSender
{
    /// <summary>
    /// Sends one datagram to <paramref name="remote"/>. A socket error is returned as <see cref="DatagramSendResult.Failed"/>,
    /// never thrown, so a receiver that went away cannot stall the publisher; no allocation.
    /// </summary>
    public static DatagramSendResult TrySend(Socket socket, ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
            return DatagramSendResult.Sent;
        }
        catch (SocketException)
        {
            return DatagramSendResult.Failed;
        }
        catch (ObjectDisposedException)
        {
            return DatagramSendResult.SocketClosed;
        }
    }
}
