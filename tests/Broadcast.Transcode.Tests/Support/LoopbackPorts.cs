using System.Net;
using System.Net.Sockets;

namespace Broadcast.Transcode.Tests.Support;

/// <summary>Whether UDP ports are free, as FFmpeg binds them.</summary>
internal static class LoopbackPorts
{
    /// <summary>Whether a UDP socket can bind the port on all addresses right now (FFmpeg binds 0.0.0.0).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
    }
}
