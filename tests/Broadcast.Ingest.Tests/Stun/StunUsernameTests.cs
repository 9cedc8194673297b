using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Tests.Stun;

public class StunUsernameTests
{
    [Fact]
    public void The_local_ufrag_is_read_from_a_binding_request_without_copying()
    {
        var packet = Rfc5769Vectors.Request;

        Assert.True(StunUsername.TryGetLocalUfrag(packet, out ReadOnlySpan<byte> ufrag));
        Assert.Equal("evtj"u8.ToArray(), ufrag.ToArray());
        Assert.True(packet.AsSpan().Overlaps(ufrag));
    }

    [Fact]
    public void The_local_ufrag_as_chars_serves_a_span_keyed_dictionary_lookup()
    {
        var transports = new Dictionary<string, int> { ["evtj"] = 7 }.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> chars = stackalloc char[32];

        Assert.True(StunUsername.TryGetLocalUfrag(Rfc5769Vectors.Request, chars, out var length));
        Assert.True(transports.TryGetValue(chars[..length], out var transport));
        Assert.Equal(7, transport);
        Assert.False(StunUsername.TryGetLocalUfrag(Rfc5769Vectors.Request, stackalloc char[3], out _));
    }

    [Theory]
    [InlineData("abcd:efgh", "abcd", "efgh")]
    [InlineData("abcd:", "abcd", "")]
    [InlineData("a:b:c", "a", "b:c")]
    public void Split_takes_the_text_before_the_first_colon_as_local(string username, string local, string remote)
    {
        Assert.True(StunUsername.TrySplit(System.Text.Encoding.UTF8.GetBytes(username), out var l, out var r));
        Assert.Equal(local, System.Text.Encoding.UTF8.GetString(l));
        Assert.Equal(remote, System.Text.Encoding.UTF8.GetString(r));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nocolon")]
    [InlineData(":remote")]
    public void Split_refuses_a_username_without_a_local_part(string username)
    {
        Assert.False(StunUsername.TrySplit(System.Text.Encoding.UTF8.GetBytes(username), out _, out _));
    }

    [Fact]
    public void A_message_without_username_or_not_stun_has_no_ufrag()
    {
        Assert.False(StunUsername.TryGetLocalUfrag(Rfc5769Vectors.IPv4Response, out ReadOnlySpan<byte> _));
        Assert.False(StunUsername.TryGetLocalUfrag([0x80, 0x60, 0, 1], out ReadOnlySpan<byte> _));
    }

    [Fact]
    public void A_transport_address_is_read_from_ipv4_ipv6_and_dual_stack_socket_addresses()
    {
        var v4 = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853);
        var v6 = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4000);
        var mapped = new IPEndPoint(IPAddress.Parse("192.0.2.1").MapToIPv6(), 32853);

        Assert.Equal(v4, TransportAddress.FromSocketAddress(v4.Serialize()).ToIPEndPoint());
        Assert.Equal(v6, TransportAddress.FromSocketAddress(v6.Serialize()).ToIPEndPoint());
        Assert.Equal(TransportAddress.FromIPEndPoint(v4), TransportAddress.FromSocketAddress(mapped.Serialize()));
        Assert.NotEqual(TransportAddress.FromIPEndPoint(v4), TransportAddress.FromIPEndPoint(new IPEndPoint(v4.Address, 1)));
        Assert.True(TransportAddress.FromIPEndPoint(v6).IsIPv6);
        Assert.Throws<ArgumentException>(() => TransportAddress.FromSocketAddress(new SocketAddress(AddressFamily.Unix, 16)));
    }
}
