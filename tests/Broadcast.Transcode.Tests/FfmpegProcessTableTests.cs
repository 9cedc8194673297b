using System.Text;

namespace Broadcast.Transcode.Tests;

public class FfmpegProcessTableTests
{
    private static byte[] CommandLine(params string[] arguments) => Encoding.UTF8.GetBytes(string.Join('\0', arguments) + "\0");

    [Theory]
    [InlineData("ffmpeg")]
    [InlineData("/usr/bin/ffmpeg")]
    public void An_ffmpeg_reading_an_sdp_file_of_the_work_folder_names_its_channel(string program)
    {
        var commandLine = CommandLine(program, "-hide_banner", "-protocol_whitelist", "file,udp,rtp", "-i", "/srv/run/cam-1.sdp", "-f", "hls", "/srv/hls/cam-1/index.m3u8");

        Assert.True(FfmpegProcessTable.TryGetChannel(commandLine, "/srv/run/", out var channel));
        Assert.Equal("cam-1", channel);
    }

    [Theory]
    [InlineData("/srv/run/other/cam.sdp")] // a sub-folder is not ours
    [InlineData("/srv/running/cam.sdp")]   // a sibling folder with the same prefix
    [InlineData("/srv/run/cam.sdp.bak")]
    [InlineData("/srv/run/.sdp")]
    public void Other_files_are_not_taken_for_ours(string input)
    {
        Assert.False(FfmpegProcessTable.TryGetChannel(CommandLine("ffmpeg", "-i", input), "/srv/run", out _));
    }

    [Theory]
    [InlineData("setsid")]
    [InlineData("/usr/bin/ffmpeg-wrapper")]
    [InlineData("")]
    public void Other_programs_are_ignored(string program)
    {
        Assert.False(FfmpegProcessTable.TryGetChannel(CommandLine(program, "-i", "/srv/run/cam.sdp"), "/srv/run", out _));
    }

    [Fact]
    public void An_empty_or_unterminated_command_line_is_no_match_and_no_error()
    {
        Assert.False(FfmpegProcessTable.TryGetChannel([], "/srv/run", out _));
        Assert.True(FfmpegProcessTable.TryGetChannel("ffmpeg\0-i\0/srv/run/cam.sdp"u8, "/srv/run", out var channel));
        Assert.Equal("cam", channel);
    }
}
