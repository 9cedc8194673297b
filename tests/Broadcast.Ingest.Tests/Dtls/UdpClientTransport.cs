using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>BouncyCastle's DTLS client over a connected UDP socket, as a peer on loopback.</summary>
internal sealed class UdpClientTransport(Socket socket) : DatagramTransport
{
    public int GetReceiveLimit() => 1500;

    public int GetSendLimit() => 1200;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis) =>
        socket.Poll(TimeSpan.FromMilliseconds(waitMillis <= 0 ? -1 : waitMillis), SelectMode.SelectRead) ? socket.Receive(buffer) : -1;

    public void Send(byte[] buf, int off, int len) => socket.Send(buf, off, len, SocketFlags.None);

    public void Send(ReadOnlySpan<byte> buffer) => socket.Send(buffer);

    public void Close()
    {
    }
}
