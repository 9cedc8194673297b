using Broadcast.Ingest.Protocols.Codecs;

namespace Broadcast.Ingest.Tests.Protocols.Codecs;

/// <summary>Sequence parameter sets from the SDPs of the test camera, of a 1080p IP camera, and of x264/x265 encodes.</summary>
public class SequenceParameterSetTests
{
    public static TheoryData<string, string, int, int, double?, string> H264 => new()
    {
        // description, sprop (base64), width, height, frame rate, profile-level-id
        { "GStreamer x264 baseline 640x360 (cropped from 368)", "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==", 640, 360, 25, "42c01e" },
        { "GStreamer x264 baseline 1280x720 at 30", "Z0LAH9oBQBbsBagICAoAAAMAAgAAAwB5HjBlQA==", 1280, 720, 30, "42c01f" },
        { "an IP camera's main profile 1080p", "Z01AKI2NQDwBE/LCAAAOEAACvyAI", 1920, 1080, 25, "4d4028" },
        { "x264 high profile 1080p at 29.97", "Z2QAKKzZQHgCJ+XARAAAD6QAA6mAPGDGWA==", 1920, 1080, 30000 / 1001.0, "640028" },
    };

    [Theory]
    [MemberData(nameof(H264))]
    public void H264_sps_give_the_cropped_size_frame_rate_and_profile(string description, string base64, int width, int height,
        double? frameRate, string profileLevelId)
    {
        Assert.True(H264SequenceParameterSet.TryParse(Convert.FromBase64String(base64), out var sps), description);

        Assert.Equal((width, height), (sps.Width, sps.Height));
        Assert.Equal(profileLevelId, sps.ProfileLevelId);
        Assert.Equal(frameRate.HasValue, sps.FrameRate.HasValue);
        if (frameRate is { } expected)
        {
            Assert.Equal(expected, sps.FrameRate!.Value, 3);
        }
    }

    [Theory]
    [InlineData("GStreamer x265 4:4:4 640x360 (conformance window over 368)", "QgEBBAgAAAMAmAgAAAMAAD+QAKBALj4kpS3SUmF/+AAIAAtQYGBgQAAAAwBAAAAGQg==", 640, 360, 4)]
    [InlineData("x265 main 1080p", "QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDlllZpJMrwFoCAAAADAIAAAAyE", 1920, 1080, 1)]
    public void H265_sps_give_the_size_inside_the_conformance_window(string description, string base64, int width, int height, int profile)
    {
        Assert.True(H265SequenceParameterSet.TryParse(Convert.FromBase64String(base64), out var sps), description);

        Assert.Equal((width, height), (sps.Width, sps.Height));
        Assert.Equal(profile, sps.ProfileIdc);
    }

    [Fact]
    public void Every_truncation_of_an_sps_is_refused_or_parsed_without_throwing()
    {
        foreach (var base64 in new[] { "Z2QAKKzZQHgCJ+XARAAAD6QAA6mAPGDGWA==", "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==" })
        {
            var bytes = Convert.FromBase64String(base64);
            for (var length = 0; length < 14; length++)
            {
                Assert.False(H264SequenceParameterSet.TryParse(bytes.AsSpan(0, length), out _), $"{length} bytes");
            }

            for (var length = 14; length < bytes.Length; length++)
            {
                H264SequenceParameterSet.TryParse(bytes.AsSpan(0, length), out _);
            }
        }

        var h265 = Convert.FromBase64String("QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDlllZpJMrwFoCAAAADAIAAAAyE");
        for (var length = 0; length < 18; length++)
        {
            Assert.False(H265SequenceParameterSet.TryParse(h265.AsSpan(0, length), out _), $"{length} bytes");
        }
    }

    [Theory]
    [InlineData("68 ce 3c 80")]
    [InlineData("65 88 84 00 33")]
    [InlineData("")]
    [InlineData("67")]
    [InlineData("67 42 c0 1e ff ff ff ff ff ff ff ff")]
    public void Other_nal_units_and_garbage_are_not_h264_sps(string hex)
    {
        Assert.False(H264SequenceParameterSet.TryParse(Hex.Bytes(hex), out _));
        Assert.False(H265SequenceParameterSet.TryParse(Hex.Bytes(hex), out _));
    }
}
