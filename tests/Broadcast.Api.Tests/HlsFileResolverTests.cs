using Broadcast.Api.Hls;

namespace Broadcast.Api.Tests;

/// <summary>The pure confinement rules, without HTTP in between.</summary>
public sealed class HlsFileResolverTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "hls-root") + Path.DirectorySeparatorChar;

    [Theory]
    [InlineData("cam1", "index.m3u8", "application/vnd.apple.mpegurl", true)]
    [InlineData("cam1", "720p/index.m3u8", "application/vnd.apple.mpegurl", true)]
    [InlineData("cam1", "seg_00001.ts", "video/mp2t", false)]
    [InlineData("cam1", "seg.1.m4s", "video/iso.segment", false)]
    [InlineData("cam-1_a.b", "init.mp4", "video/mp4", false)]
    [InlineData("cam1", "audio.aac", "audio/aac", false)]
    [InlineData("cam1", "INDEX.M3U8", "application/vnd.apple.mpegurl", true)]
    public void A_plain_path_to_an_hls_file_resolves_inside_the_channel_folder(string channel, string file, string contentType, bool playlist)
    {
        var refusal = HlsFileResolver.TryResolve(Root, channel, file, out var resolved);

        Assert.Equal(HlsRefusal.None, refusal);
        Assert.NotNull(resolved);
        Assert.Equal(Path.Combine(Root, channel, file.Replace('/', Path.DirectorySeparatorChar)), resolved.FullPath);
        Assert.Equal(contentType, resolved.ContentType);
        Assert.Equal(playlist, resolved.IsPlaylist);
    }

    [Theory]
    [InlineData("cam1", "../cam2/index.m3u8")]
    [InlineData("cam1", "../../etc/passwd.ts")]
    [InlineData("cam1", "./index.m3u8")]
    [InlineData("cam1", "sub/../index.m3u8")]
    [InlineData("cam1", "/etc/index.m3u8")]
    [InlineData("cam1", "//server/share/index.m3u8")]
    [InlineData("cam1", "..\\cam2\\index.m3u8")]
    [InlineData("cam1", "..%2Fcam2%2Findex.m3u8")]
    [InlineData("cam1", "%2e%2e/index.m3u8")]
    [InlineData("cam1", "C:\\index.m3u8")]
    [InlineData("cam1", "C:index.m3u8")]
    [InlineData("cam1", "index.m3u8\0.txt")]
    [InlineData("cam1", "index m3u8.ts")]
    [InlineData("cam1", "a//b.ts")]
    [InlineData("cam1", "")]
    [InlineData("..", "index.m3u8")]
    [InlineData(".", "index.m3u8")]
    [InlineData("cam1/..", "index.m3u8")]
    [InlineData("..\\x", "index.m3u8")]
    [InlineData("", "index.m3u8")]
    public void A_path_that_is_not_a_plain_relative_path_is_a_bad_path(string channel, string file)
    {
        Assert.Equal(HlsRefusal.BadPath, HlsFileResolver.TryResolve(Root, channel, file, out var resolved));
        Assert.Null(resolved);
    }

    [Theory]
    [InlineData("notes.txt")]
    [InlineData("index.m3u8.bak")]
    [InlineData("video.mkv")]
    [InlineData("index")]
    [InlineData("sub/key.key")]
    public void A_file_that_is_not_a_playlist_or_segment_is_not_served(string file)
    {
        Assert.Equal(HlsRefusal.NotServed, HlsFileResolver.TryResolve(Root, "cam1", file, out _));
    }

    [Fact]
    public void A_very_long_path_is_a_bad_path()
    {
        var file = string.Join('/', Enumerable.Repeat("abcdefghij", 60)) + ".ts";

        Assert.Equal(HlsRefusal.BadPath, HlsFileResolver.TryResolve(Root, "cam1", file, out _));
    }
}
