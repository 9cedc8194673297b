using System.Net;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Ingest.Protocols.Stun;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Stun;

public class Rfc5769Tests
{
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes(Rfc5769Vectors.ShortTermPassword);

    [Fact]
    public void The_sample_request_parses_with_its_ice_attributes()
    {
        var packet = Rfc5769Vectors.Request;

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(StunClass.Request, message.Class);
        Assert.Equal(StunMessageType.BindingMethod, message.Method);
        Assert.Equal(Hex.Bytes(Rfc5769Vectors.TransactionId), message.TransactionId(packet).ToArray());
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(message.Username(packet)));
        Assert.Equal(0x6e0001ffu, message.Priority);
        Assert.Equal(0x932ff9b151263b36ul, message.IceControlled);
        Assert.Null(message.IceControlling);
        Assert.False(message.UseCandidate);
        Assert.Equal(0, message.UnknownRequiredCount);
    }

    [Fact]
    public void The_sample_request_has_a_valid_fingerprint_and_message_integrity()
    {
        var packet = Rfc5769Vectors.Request;
        Assert.True(StunMessage.TryParse(packet, out var message));

        Assert.True(StunFingerprint.Verify(packet, message));
        Assert.True(StunMessageIntegrity.Verify(packet, message, ShortTermKey));
    }

    [Fact]
    public void The_sample_request_does_not_verify_with_another_password()
    {
        var packet = Rfc5769Vectors.Request;
        Assert.True(StunMessage.TryParse(packet, out var message));

        Assert.False(StunMessageIntegrity.Verify(packet, message, "VOkJxbRl1RmTxUk/WvJxBu"u8));
    }

    [Fact]
    public void The_ipv4_response_maps_192_0_2_1_port_32853_and_verifies()
    {
        var packet = Rfc5769Vectors.IPv4Response;

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(StunClass.SuccessResponse, message.Class);
        Assert.True(XorMappedAddress.TryParse(message.XorMappedAddress(packet), message.TransactionId(packet), out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), mapped.ToIPEndPoint());
        Assert.True(StunFingerprint.Verify(packet, message));
        Assert.True(StunMessageIntegrity.Verify(packet, message, ShortTermKey));
    }

    [Fact]
    public void The_ipv6_response_maps_its_address_and_verifies()
    {
        var packet = Rfc5769Vectors.IPv6Response;

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.True(XorMappedAddress.TryParse(message.XorMappedAddress(packet), message.TransactionId(packet), out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), mapped.ToIPEndPoint());
        Assert.True(StunFingerprint.Verify(packet, message));
        Assert.True(StunMessageIntegrity.Verify(packet, message, ShortTermKey));
    }

    [Fact]
    public void The_long_term_request_verifies_with_the_md5_of_username_realm_and_password()
    {
        var packet = Rfc5769Vectors.LongTermRequest;
        var key = MD5.HashData(Encoding.UTF8.GetBytes(
            $"{Rfc5769Vectors.LongTermUsername}:{Rfc5769Vectors.LongTermRealm}:{Rfc5769Vectors.LongTermPassword}"));

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(Rfc5769Vectors.LongTermUsername, Encoding.UTF8.GetString(message.Username(packet)));
        Assert.False(message.HasFingerprint);
        Assert.False(StunFingerprint.Verify(packet, message));
        Assert.True(StunMessageIntegrity.Verify(packet, message, key));
    }

    [Fact]
    public void The_writer_reproduces_the_sample_request_byte_for_byte()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Hex.Bytes(Rfc5769Vectors.TransactionId));
        writer.AddAttribute(StunAttributeType.Software, "STUN test client"u8);
        writer.AddUInt32(StunAttributeType.Priority, 0x6e0001ff);
        writer.AddUInt64(StunAttributeType.IceControlled, 0x932ff9b151263b36);
        writer.AddAttribute(StunAttributeType.Username, "evtj:h6vY"u8, padding: 0x20);
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();

        Assert.True(writer.TryComplete(out var written));
        Assert.Equal(Rfc5769Vectors.Request, buffer[..written]);
    }

    [Theory]
    [InlineData("192.0.2.1", false)]
    [InlineData("2001:db8:1234:5678:11:2233:4455:6677", true)]
    public void The_writer_reproduces_the_sample_responses_byte_for_byte(string address, bool ipv6)
    {
        var buffer = new byte[128];
        var mapped = TransportAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(address), 32853));
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, Hex.Bytes(Rfc5769Vectors.TransactionId));
        writer.AddAttribute(StunAttributeType.Software, "test vector"u8, padding: 0x20);
        writer.AddXorMappedAddress(mapped);
        writer.AddMessageIntegrity(ShortTermKey);
        writer.AddFingerprint();

        Assert.True(writer.TryComplete(out var written));
        Assert.Equal(ipv6 ? Rfc5769Vectors.IPv6Response : Rfc5769Vectors.IPv4Response, buffer[..written]);
    }
}
