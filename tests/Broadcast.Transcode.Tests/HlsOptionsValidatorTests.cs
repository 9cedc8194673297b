namespace Broadcast.Transcode.Tests;

public class HlsOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new HlsOptionsValidator().Validate(null, new HlsOptions()).Succeeded);
    }

    [Fact]
    public void Every_invalid_setting_is_reported_at_once()
    {
        var options = new HlsOptions
        {
            Root = "",
            WorkRoot = " ",
            FfmpegPath = "",
            SegmentSeconds = 0,
            PlaylistSize = 0,
            AudioBitrateKbps = 4,
            VideoBitrateKbps = 10,
            X264Preset = "turbo",
            RestartBackoffInitial = TimeSpan.Zero,
            RestartBackoffMax = TimeSpan.FromSeconds(-1),
            StallSegments = 1,
            StopTimeout = TimeSpan.Zero,
            StderrLinesKept = 0,
            PartSeconds = 5,
            Format = (HlsSegmentFormat)7,
        };

        var result = new HlsOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        string[] keys =
        [
            "Root", "WorkRoot", "FfmpegPath", "SegmentSeconds", "PlaylistSize", "AudioBitrateKbps", "VideoBitrateKbps",
            "X264Preset", "RestartBackoffInitial", "RestartBackoffMax", "StallSegments", "StopTimeout", "StderrLinesKept",
            "PartSeconds", "Format",
        ];
        Assert.Equal(keys.Length, failures.Count);
        foreach (var key in keys)
        {
            Assert.Contains(failures, f => f.StartsWith($"Hls:{key} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_segment_length_that_is_not_a_number_is_rejected()
    {
        var result = new HlsOptionsValidator().Validate(null, new HlsOptions { SegmentSeconds = double.NaN });

        Assert.Single(result.Failures!);
    }

    [Fact]
    public void An_FFmpeg_path_with_a_double_quote_is_rejected()
    {
        var result = new HlsOptionsValidator().Validate(null, new HlsOptions { FfmpegPath = "/opt/ff\"mpeg" });

        Assert.Equal("Hls:FfmpegPath must not contain a double quote.", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("index", true, 0, 0)]
    [InlineData("a b", true, 0, 0)]
    [InlineData("720p", false, 721, 2800)]
    [InlineData("720p", false, 720, 50)]
    public void A_bad_rendition_is_reported(string name, bool copy, int height, int kbps)
    {
        var options = new HlsOptions { Renditions = [new HlsRendition { Name = name, Copy = copy, Height = height, VideoKbps = kbps }] };

        var result = new HlsOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Hls:Renditions", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_copied_renditions_or_two_of_one_name_are_refused()
    {
        var copies = new HlsOptions { Renditions = [new HlsRendition { Name = "a", Copy = true }, new HlsRendition { Name = "b", Copy = true }] };
        var twins = new HlsOptions { Renditions = [new HlsRendition { Name = "a", Height = 360, VideoKbps = 800 }, new HlsRendition { Name = "A", Height = 240, VideoKbps = 400 }] };

        Assert.True(new HlsOptionsValidator().Validate(null, copies).Failed);
        Assert.True(new HlsOptionsValidator().Validate(null, twins).Failed);
    }

    [Fact]
    public void A_ladder_reads_back_from_its_one_line_form()
    {
        var ladder = HlsRendition.ParseText("src=copy,720p=720@2800,360p=360@800");

        Assert.Equal("src=copy,720p=720@2800,360p=360@800", HlsRendition.ToText(ladder));
        Assert.True(ladder[0].Copy);
        Assert.Equal((360, 800), (ladder[2].Height, ladder[2].VideoKbps));
        Assert.Throws<FormatException>(() => HlsRendition.ParseText("720p=wide"));
    }
}
