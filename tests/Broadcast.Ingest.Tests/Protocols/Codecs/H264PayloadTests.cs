using Broadcast.Ingest.Protocols.Codecs;

namespace Broadcast.Ingest.Tests.Protocols.Codecs;

public class H264PayloadTests
{
    // NAL headers: 0x65 IDR (NRI 3, type 5), 0x67 SPS, 0x68 PPS, 0x41 non-IDR slice (type 1), 0x06 SEI.
    private const string Sps = "67 42 c0 1f da 01 40 16 e8";
    private const string Pps = "68 ce 3c 80";
    private const string Idr = "65 88 84 00 33 ff";

    public static TheoryData<string, string> KeyFrames => new()
    {
        { "a single IDR slice", Idr },
        { "a single SPS", Sps },
        { "STAP-A with SPS, PPS and IDR", "78  00 09 " + Sps + "  00 04 " + Pps + "  00 06 " + Idr },
        { "STAP-A with only an IDR", "78  00 06 " + Idr },
        { "STAP-A whose key unit comes last", "78  00 02 06 05  00 04 " + Pps + "  00 09 " + Sps },
        { "FU-A start of an IDR", "7c 85 88 84 00 33" },
        { "FU-A start of an SPS", "7c 87 42 c0" },
    };

    public static TheoryData<string, string> NotKeyFrames => new()
    {
        { "a non-IDR slice", "41 9a 02 04 ff" },
        { "a lone PPS", Pps },
        { "an SEI", "06 05 10 b6" },
        { "STAP-A with PPS and SEI only", "78  00 04 " + Pps + "  00 02 06 05" },
        { "FU-A middle of an IDR", "7c 05 9a 02 04" },
        { "FU-A end of an IDR", "7c 45 9a 02 04" },
        { "FU-A start of a non-IDR slice", "5c 81 9a 02 04" },
        { "STAP-B (interleaved mode only)", "79 00 00  00 06 " + Idr },
        { "FU-B (interleaved mode only)", "7d 85 00 00 88 84" },
    };

    public static TheoryData<string, string> Truncated => new()
    {
        { "empty", "" },
        { "an IDR header alone", "65" },
        { "an SPS header alone", "67" },
        { "STAP-A header alone", "78" },
        { "STAP-A with half a size", "78 00" },
        { "STAP-A whose first unit runs past the end", "78  00 10 67 42 c0" },
        { "STAP-A whose last unit runs past the end", "78  00 09 " + Sps + "  00 06 65 88" },
        { "STAP-A with a stray trailing byte", "78  00 06 " + Idr + "  00" },
        { "STAP-A with a zero-size unit", "78  00 00  00 06 " + Idr },
        { "STAP-A whose IDR unit is only a header", "78  00 01 65" },
        { "FU-A indicator alone", "7c" },
        { "FU-A start with no fragment bytes", "7c 85" },
    };

    [Theory]
    [MemberData(nameof(KeyFrames))]
    public void A_payload_starting_a_key_frame_is_a_key_frame(string reason, string hex)
    {
        Assert.True(H264Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Theory]
    [MemberData(nameof(NotKeyFrames))]
    public void A_payload_that_does_not_start_a_key_frame_is_not_one(string reason, string hex)
    {
        Assert.False(H264Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Theory]
    [MemberData(nameof(Truncated))]
    public void A_truncated_or_malformed_payload_is_never_a_key_frame(string reason, string hex)
    {
        Assert.False(H264Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Fact]
    public void Every_truncation_of_an_aggregate_that_cuts_a_unit_is_not_a_key_frame()
    {
        var payload = Hex.Bytes("78  00 09 " + Sps + "  00 04 " + Pps + "  00 06 " + Idr);
        int[] unitBoundaries = [1, 12, 18, payload.Length];

        for (var length = 0; length < payload.Length; length++)
        {
            var expected = Array.IndexOf(unitBoundaries, length) > 0;
            Assert.True(expected == H264Payload.IsKeyFrame(payload.AsSpan(0, length)), $"length {length}");
        }
    }

    [Fact]
    public void The_forbidden_and_nri_bits_do_not_change_the_answer()
    {
        Assert.True(H264Payload.IsKeyFrame(Hex.Bytes("05 88 84")));
        Assert.True(H264Payload.IsKeyFrame(Hex.Bytes("e5 88 84")));
        Assert.True(H264Payload.IsKeyFrame(Hex.Bytes("1c 85 88")));
    }
}

public class H264SliceTypeTests
{
    [Theory]
    [InlineData("an x264 IDR slice", "65 88 84 00 33 ff", 7)]
    [InlineData("an x264 P slice", "41 9a 02 04", 5)]
    [InlineData("a B slice", "01 a0 00", 1)]
    [InlineData("a B slice, all slices B", "01 9c 00", 6)]
    [InlineData("FU-A start of a B slice", "7c 81 a0 00", 1)]
    [InlineData("STAP-A with SEI then a P slice", "78  00 02 06 05  00 04 41 9a 02 04", 5)]
    public void The_slice_type_of_the_first_slice_is_read(string reason, string hex, int sliceType)
    {
        Assert.True(H264Payload.TryGetSliceType(Hex.Bytes(hex), out var type), reason);
        Assert.Equal(sliceType, type);
    }

    [Theory]
    [InlineData("an SPS", "67 42 c0 1f da")]
    [InlineData("FU-A middle of a slice", "7c 01 a0 00")]
    [InlineData("a slice header cut short", "01 00")]
    [InlineData("STAP-A without slices", "78  00 04 68 ce 3c 80")]
    [InlineData("empty", "")]
    public void Payloads_that_start_no_slice_have_no_slice_type(string reason, string hex)
    {
        Assert.False(H264Payload.TryGetSliceType(Hex.Bytes(hex), out _), reason);
    }
}
