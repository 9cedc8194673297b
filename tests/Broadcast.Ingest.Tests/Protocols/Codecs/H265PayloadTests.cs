using Broadcast.Ingest.Protocols.Codecs;

namespace Broadcast.Ingest.Tests.Protocols.Codecs;

public class H265PayloadTests
{
    // Two-byte NAL headers: 0x26 0x01 IDR_W_RADL (19), 0x2a 0x01 CRA (21), 0x40 0x01 VPS (32), 0x42 0x01 SPS (33),
    // 0x44 0x01 PPS (34), 0x02 0x01 TRAIL_R (1), 0x4e 0x01 prefix SEI (39).
    public static TheoryData<string, string> KeyFrames => new()
    {
        { "an IDR", "26 01 af 08 40" },
        { "a CRA", "2a 01 af 08" },
        { "a VPS", "40 01 0c 01" },
        { "an SPS", "42 01 01 01" },
        { "AP with VPS, SPS, PPS", "60 01  00 04 40 01 0c 01  00 04 42 01 01 01  00 04 44 01 c0 70" },
        { "FU start of an IDR", "62 01 93 af 08" },
    };

    public static TheoryData<string, string> NotKeyFrames => new()
    {
        { "a trailing picture", "02 01 d0 0a" },
        { "a PPS", "44 01 c0 70" },
        { "an SEI", "4e 01 05 10" },
        { "AP with PPS and SEI", "60 01  00 04 44 01 c0 70  00 03 4e 01 05" },
        { "FU middle of an IDR", "62 01 13 af 08" },
        { "FU start of a trailing picture", "62 01 81 af 08" },
        { "a header only", "26 01" },
        { "empty", "" },
        { "AP whose unit runs past the end", "60 01  00 09 40 01 0c" },
        { "AP with a unit shorter than a header", "60 01  00 01 40  00 04 42 01 01 01" },
        { "FU start with no fragment bytes", "62 01 93" },
    };

    [Theory]
    [MemberData(nameof(KeyFrames))]
    public void A_payload_starting_an_irap_picture_or_parameter_set_is_a_key_frame(string reason, string hex)
    {
        Assert.True(H265Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Theory]
    [MemberData(nameof(NotKeyFrames))]
    public void Other_or_malformed_payloads_are_not_key_frames(string reason, string hex)
    {
        Assert.False(H265Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }
}
