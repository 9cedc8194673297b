using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Broadcast.E2E.Tests;

/// <summary>
/// Sends malformed datagrams shaped like each thing the WebRTC port demultiplexes: random bytes, STUN (some naming a
/// live transport's ufrag, with a bad integrity), DTLS records, and SRTP/SRTCP with random payloads.
/// </summary>
internal static class DatagramFuzzer
{
    public static async Task<int> SendAsync(int port, string ufrag, int count, int seed)
    {
        var random = new Random(seed);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, port);
        for (var i = 0; i < count; i++)
        {
            var datagram = (i % 5) switch
            {
                0 => Random(random, random.Next(1, 1500)),
                1 => Stun(random, ufrag),
                2 => WithFirstByte(random, (byte)random.Next(20, 64), random.Next(1, 300)),
                3 => WithFirstByte(random, 0x80, random.Next(12, 1300)),
                _ => Rtcp(random),
            };
            await socket.SendToAsync(datagram, target);
            if (i % 100 == 0)
            {
                await Task.Delay(5); // a burst, not a flood that fills the socket buffer
            }
        }

        return count;
    }

    private static byte[] Random(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] WithFirstByte(Random random, byte first, int length)
    {
        var bytes = Random(random, length);
        bytes[0] = first;
        return bytes;
    }

    private static byte[] Rtcp(Random random)
    {
        var bytes = Random(random, random.Next(8, 200));
        bytes[0] = 0x80;
        bytes[1] = (byte)random.Next(192, 224);
        return bytes;
    }

    // A binding request with USERNAME "<ufrag>:x" and garbage after it: routed to the transport, rejected there.
    private static byte[] Stun(Random random, string ufrag)
    {
        var username = Encoding.ASCII.GetBytes($"{ufrag}:fuzz");
        var padded = (username.Length + 3) & ~3;
        var bytes = new byte[20 + 4 + padded + random.Next(0, 64)];
        random.NextBytes(bytes.AsSpan(24 + padded));
        BinaryPrimitives.WriteUInt16BigEndian(bytes, 0x0001);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - 20));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 0x2112A442);
        random.NextBytes(bytes.AsSpan(8, 12));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(20), 0x0006);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(22), (ushort)username.Length);
        username.CopyTo(bytes.AsSpan(24));
        return bytes;
    }
}
