using Broadcast.Ingest.Protocols.Codecs;

namespace Broadcast.Ingest.Tests.Protocols.Codecs;

public class Vp8PayloadTests
{
    // The start of a 640x480 key frame: frame tag with P=0 (0xb0), start code 9d 01 2a, then the size.
    private const string KeyFrameStart = "b0 42 00 9d 01 2a 80 02 e0 01";

    // An inter frame tag: P=1.
    private const string InterFrameStart = "b1 07 00 11 22 33";

    public static TheoryData<string, string> KeyFrames => new()
    {
        { "minimal descriptor", "10 " + KeyFrameStart },
        { "non-reference bit set", "30 " + KeyFrameStart },
        { "7-bit PictureID", "90 80 15 " + KeyFrameStart },
        { "15-bit PictureID", "90 80 81 23 " + KeyFrameStart },
        { "15-bit PictureID, TL0PICIDX and TID", "90 e0 81 23 05 40 " + KeyFrameStart },
        { "7-bit PictureID and KEYIDX only", "90 90 15 01 " + KeyFrameStart },
        { "TL0PICIDX only", "90 40 05 " + KeyFrameStart },
        { "X set with no optional fields", "90 00 " + KeyFrameStart },
        { "a lone payload byte", "10 b0" },
    };

    public static TheoryData<string, string> NotKeyFrames => new()
    {
        { "an inter frame", "10 " + InterFrameStart },
        { "an inter frame with extensions", "90 e0 81 23 05 40 " + InterFrameStart },
        { "a continuation of partition 0", "00 " + KeyFrameStart },
        { "a continuation with a PictureID", "80 80 15 " + KeyFrameStart },
        { "the start of partition 1", "11 " + KeyFrameStart },
        { "the start of partition 7", "17 " + KeyFrameStart },
    };

    public static TheoryData<string, string> Truncated => new()
    {
        { "empty", "" },
        { "descriptor only", "10" },
        { "X set, extension byte missing", "90" },
        { "I set, PictureID missing", "90 80" },
        { "M set, second PictureID byte missing", "90 80 81" },
        { "M set, no payload after PictureID", "90 80 81 23" },
        { "L set, TL0PICIDX missing", "90 40" },
        { "T set, T/K byte missing", "90 20" },
        { "all fields, no payload", "90 f0 81 23 05 40" },
    };

    [Theory]
    [MemberData(nameof(KeyFrames))]
    public void The_first_packet_of_a_key_frame_is_a_key_frame(string reason, string hex)
    {
        Assert.True(Vp8Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Theory]
    [MemberData(nameof(NotKeyFrames))]
    public void Inter_frames_and_later_packets_are_not_key_frames(string reason, string hex)
    {
        Assert.False(Vp8Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Theory]
    [MemberData(nameof(Truncated))]
    public void A_truncated_descriptor_is_never_a_key_frame(string reason, string hex)
    {
        Assert.False(Vp8Payload.IsKeyFrame(Hex.Bytes(hex)), reason);
    }

    [Fact]
    public void Every_truncation_inside_the_descriptor_is_not_a_key_frame()
    {
        var payload = Hex.Bytes("90 f0 81 23 05 40 " + KeyFrameStart);

        for (var length = 0; length <= 6; length++)
        {
            Assert.False(Vp8Payload.IsKeyFrame(payload.AsSpan(0, length)), $"length {length}");
        }

        Assert.True(Vp8Payload.IsKeyFrame(payload.AsSpan(0, 7)));
    }
}
