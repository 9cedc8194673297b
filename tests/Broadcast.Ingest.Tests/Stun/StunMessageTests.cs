using System.Buffers.Binary;
using System.Net;
using Broadcast.Ingest.Protocols.Stun;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Stun;

public class StunMessageTests
{
    private static readonly byte[] TransactionId = Hex.Bytes("01 02 03 04 05 06 07 08 09 0a 0b 0c");
    private static readonly byte[] Key = "a-password-of-22-chars"u8.ToArray();

    // A bare Binding request header, then attributes appended by each row.
    private const string Header = "00 01 LL LL  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c";

    public static TheoryData<string, string> InvalidMessages => new()
    {
        { "empty", "" },
        { "19 bytes", "00 01 00 00  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b" },
        { "first bits set (RTP)", "80 01 00 00  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c" },
        { "first bits 01", "40 01 00 00  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c" },
        { "wrong magic cookie", "00 01 00 00  21 12 a4 43  01 02 03 04 05 06 07 08 09 0a 0b 0c" },
        { "length larger than the datagram", "00 01 00 04  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c" },
        { "length smaller than the datagram", Header.Replace("LL LL", "00 00") + " 00 25 00 00" },
        { "length not a multiple of 4", "00 01 00 02  21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c  00 00" },
        { "truncated attribute header", Body("00 25") },
        { "attribute value past the end", Body("00 06 00 05  61 62 63 64") },
        { "attribute padding past the end", Body("00 06 00 05  61 62 63 64 65 00 00") },
        { "PRIORITY of 3 bytes", Body("00 24 00 03  01 02 03 00") },
        { "PRIORITY of 8 bytes", Body("00 24 00 08  01 02 03 04 05 06 07 08") },
        { "USE-CANDIDATE with a value", Body("00 25 00 04  00 00 00 00") },
        { "ICE-CONTROLLED of 4 bytes", Body("80 29 00 04  00 00 00 01") },
        { "ICE-CONTROLLING of 4 bytes", Body("80 2a 00 04  00 00 00 01") },
        { "NOMINATION of 8 bytes", Body("c0 01 00 08  00 00 00 01 00 00 00 02") },
        { "MESSAGE-INTEGRITY of 16 bytes", Body("00 08 00 10" + Zeros(16)) },
        { "FINGERPRINT of 8 bytes", Body("80 28 00 08" + Zeros(8)) },
        { "an attribute after FINGERPRINT", Body("80 28 00 04  00 00 00 00  00 25 00 00") },
        { "ERROR-CODE of 3 bytes", Body("00 09 00 03  00 04 00 00") },
        { "USERNAME longer than 513 bytes", Body("00 06 02 04" + Zeros(516)) },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public void Parse_rejects_an_invalid_message(string name, string hex)
    {
        Assert.False(StunMessage.TryParse(Hex.Bytes(hex), out var message), name);
        Assert.Equal(default, message.Type);
    }

    [Fact]
    public void A_request_written_with_every_ice_attribute_parses_back()
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId);
        writer.AddAttribute(StunAttributeType.Username, "serverufrag:cl1"u8);
        writer.AddUInt32(StunAttributeType.Priority, 1853824767);
        writer.AddAttribute(StunAttributeType.UseCandidate, []);
        writer.AddUInt64(StunAttributeType.IceControlling, 0x0102030405060708);
        writer.AddUInt32(StunAttributeType.Nomination, 0xAB000007); // only 24 bits count
        writer.AddAttribute(0xC057, "goog-network-info"u8);
        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var written));
        var packet = buffer.AsSpan(0, written);

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(written, message.Length);
        Assert.Equal("serverufrag:cl1"u8.ToArray(), message.Username(packet).ToArray());
        Assert.Equal(1853824767u, message.Priority);
        Assert.True(message.UseCandidate);
        Assert.Equal(0x0102030405060708ul, message.IceControlling);
        Assert.Null(message.IceControlled);
        Assert.Equal(7u, message.Nomination);
        Assert.Equal(0, message.UnknownRequiredCount);
        Assert.True(StunMessageIntegrity.Verify(packet, message, Key));
        Assert.True(StunFingerprint.Verify(packet, message));
    }

    [Fact]
    public void An_error_response_round_trips_its_code_and_reason()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingErrorResponse, TransactionId);
        writer.AddErrorCode(StunErrorCode.RoleConflict, StunErrorCode.ReasonPhrase(StunErrorCode.RoleConflict));
        writer.AddUnknownAttributes([0x0031, 0x0042]);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var written));
        var packet = buffer.AsSpan(0, written);

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(StunClass.ErrorResponse, message.Class);
        Assert.True(StunErrorCode.TryParse(message.ErrorCode(packet), out var code, out var reason));
        Assert.Equal(487, code);
        Assert.Equal("Role Conflict"u8.ToArray(), reason.ToArray());
        Assert.True(StunFingerprint.Verify(packet, message));
    }

    [Theory]
    [InlineData("10.1.2.3", 5000)]
    [InlineData("255.255.255.255", 65535)]
    [InlineData("fe80::1:2:3:4", 1)]
    [InlineData("::", 0)]
    public void Xor_mapped_address_round_trips(string ip, int port)
    {
        var address = TransportAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Parse(ip), port));
        var value = new byte[20];

        Assert.True(XorMappedAddress.TryWrite(value, address, TransactionId, out var written));
        Assert.True(XorMappedAddress.TryParse(value.AsSpan(0, written), TransactionId, out var parsed));
        Assert.Equal(address, parsed);
    }

    [Theory]
    [InlineData("00 03 a1 47  e1 12 a6 43")] // family 3
    [InlineData("00 01 a1 47  e1 12 a6")] // short
    [InlineData("00 02 a1 47  e1 12 a6 43")] // IPv6 family with an IPv4 length
    [InlineData("00 01 a1 47  e1 12 a6 43  00 00 00 00")] // IPv4 family with 12 bytes
    public void Xor_mapped_address_rejects_a_bad_value(string hex)
    {
        Assert.False(XorMappedAddress.TryParse(Hex.Bytes(hex), TransactionId, out _));
    }

    [Theory]
    [InlineData("00 00 02 63", false)] // class 2
    [InlineData("00 00 07 00", false)] // class 7
    [InlineData("00 00 04 64", false)] // number 100
    [InlineData("00 00 04", false)]
    [InlineData("00 00 04 01", true)]
    public void Error_code_parse_checks_class_and_number(string hex, bool valid)
    {
        Assert.Equal(valid, StunErrorCode.TryParse(Hex.Bytes(hex), out _, out _));
    }

    [Fact]
    public void Attributes_after_message_integrity_other_than_fingerprint_are_ignored()
    {
        var packet = Hex.Bytes(Body("00 08 00 14" + Zeros(20) + " 00 25 00 00  00 24 00 04  00 00 00 01"));

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.True(message.HasMessageIntegrity);
        Assert.False(message.UseCandidate);
        Assert.Null(message.Priority);
    }

    [Fact]
    public void The_first_of_duplicate_attributes_counts()
    {
        var packet = Hex.Bytes(Body("00 24 00 04  00 00 00 01  00 24 00 04  00 00 00 02"));

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(1u, message.Priority);
    }

    [Fact]
    public void Unknown_comprehension_optional_attributes_are_skipped_and_required_ones_counted()
    {
        var packet = Hex.Bytes(Body("c0 57 00 04  00 01 00 0a  00 31 00 01  ff 00 00 00  7f ff 00 00  80 22 00 02  61 62 00 00"));

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.Equal(2, message.UnknownRequiredCount);
        Span<ushort> types = stackalloc ushort[4];
        var count = StunMessage.CopyUnknownRequiredTypes(packet, types);
        Assert.Equal([0x0031, 0x7fff], types[..count].ToArray());
    }

    [Fact]
    public void A_tampered_message_fails_fingerprint_and_integrity()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId);
        writer.AddUInt32(StunAttributeType.Priority, 1);
        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var written));
        var packet = buffer.AsSpan(0, written);
        packet[27] ^= 1; // the priority value

        Assert.True(StunMessage.TryParse(packet, out var message));
        Assert.False(StunFingerprint.Verify(packet, message));
        Assert.False(StunMessageIntegrity.Verify(packet, message, Key));
    }

    [Fact]
    public void The_writer_reports_a_buffer_too_short_without_throwing()
    {
        var buffer = new byte[40];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, TransactionId);
        writer.AddXorMappedAddress(TransportAddress.FromIPEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 9)));
        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();

        Assert.False(writer.TryComplete(out var written));
        Assert.Equal(0, written);
        Assert.False(new StunMessageWriter(new byte[19], StunMessageType.BindingRequest, TransactionId).TryComplete(out _));
    }

    [Fact]
    public void Message_type_composes_and_splits_method_and_class()
    {
        Assert.Equal(StunMessageType.BindingErrorResponse, StunMessageType.Compose(StunMessageType.BindingMethod, StunClass.ErrorResponse));
        Assert.Equal(StunMessageType.BindingIndication, StunMessageType.Compose(StunMessageType.BindingMethod, StunClass.Indication));
        Assert.Equal(0x0FFF, StunMessageType.GetMethod(StunMessageType.Compose(0x0FFF, StunClass.SuccessResponse)));
        Assert.Equal(StunClass.SuccessResponse, StunMessageType.GetClass(StunMessageType.Compose(0x0FFF, StunClass.SuccessResponse)));
    }

    // A Binding request header whose length field matches the attributes given.
    private static string Body(string attributes)
    {
        var length = Hex.Bytes(attributes).Length;
        Span<byte> field = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)length);
        return Header.Replace("LL LL", Convert.ToHexString(field), StringComparison.Ordinal) + " " + attributes;
    }

    private static string Zeros(int count) => " " + string.Concat(Enumerable.Repeat("00", count));
}
