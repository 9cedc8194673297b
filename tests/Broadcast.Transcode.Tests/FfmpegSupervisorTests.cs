using Broadcast.Transcode.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Broadcast.Transcode.Tests;

public sealed class FfmpegSupervisorTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private HlsJob Job(string channelId = "ch1") =>
        new(channelId, _folder.Combine("run", "ch1.sdp"), _folder.Combine("hls", "ch1"), [TestStreams.H264(), TestStreams.Opus()]);

    private HlsOptions Options(string ffmpeg = "ffmpeg") =>
        new() { Root = _folder.Combine("hls"), WorkRoot = _folder.Combine("run"), FfmpegPath = ffmpeg };

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void A_channel_id_that_is_not_a_file_name_is_rejected(string channelId)
    {
        Assert.Throws<ArgumentException>(() => new FfmpegSupervisor(Job(channelId), Options(), NullLogger.Instance, TimeProvider.System));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_error()
    {
        var options = Options();
        options.PlaylistSize = 0;
        options.StallSegments = 0;

        var error = Assert.Throws<OptionsValidationException>(() => new FfmpegSupervisor(Job(), options, NullLogger.Instance, TimeProvider.System));

        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task Starting_with_an_FFmpeg_that_does_not_exist_fails_and_leaves_no_SDP_file()
    {
        var job = Job();
        await using var supervisor = new FfmpegSupervisor(job, Options(_folder.Combine("no-such-ffmpeg")), NullLogger.Instance, TimeProvider.System);

        await Assert.ThrowsAsync<FileNotFoundException>(() => supervisor.StartAsync(CancellationToken.None));

        Assert.Equal(FfmpegState.Stopped, supervisor.State);
        Assert.False(File.Exists(job.SdpPath));
    }

    [Fact]
    public async Task Stopping_a_supervisor_that_never_started_is_harmless_and_final()
    {
        var supervisor = new FfmpegSupervisor(Job(), Options(), NullLogger.Instance, TimeProvider.System);

        await supervisor.StopAsync();
        await supervisor.DisposeAsync();

        Assert.Equal(FfmpegState.Stopped, supervisor.State);
        Assert.Null(supervisor.ProcessId);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => supervisor.StartAsync(CancellationToken.None));
    }
}
