using System.Net;
using System.Net.Sockets;

namespace Broadcast.Transcode.Tests.Support;

/// <summary>Free even UDP ports whose odd neighbour is free too, as FFmpeg needs for RTP and RTCP.</summary>
internal static class LoopbackPorts
{
    public static int[] FindEvenPairs(int count)
    {
        var found = new List<int>();
        for (var attempt = 0; attempt < 200 && found.Count < count; attempt++)
        {
            int candidate;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Any, 0));
                candidate = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            candidate += candidate % 2;
            if (candidate < 65534 && !found.Contains(candidate) && IsFree(candidate) && IsFree(candidate + 1))
            {
                found.Add(candidate);
            }
        }

        return found.Count == count ? [.. found] : throw new InvalidOperationException("No free even UDP port pairs.");
    }

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
