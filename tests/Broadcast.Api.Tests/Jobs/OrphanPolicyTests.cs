using Broadcast.Api.Jobs;

namespace Broadcast.Api.Tests.Jobs;

public class OrphanPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    private static readonly ChannelPresence Channels = new(
        new HashSet<string>(["live"], StringComparer.Ordinal), new HashSet<string>(["defined"], StringComparer.Ordinal));

    private static bool File(string name, TimeSpan age, params string[] pipelines) =>
        OrphanPolicy.IsOrphanFile(name, Now - age, pipelines.Contains, Channels, Grace, Now);

    [Fact]
    public void An_ffmpeg_process_is_an_orphan_without_a_pipeline_or_when_its_pipeline_runs_another()
    {
        Assert.True(OrphanPolicy.IsOrphanProcess(10, hasPipeline: false, pipelineProcessId: null));
        Assert.True(OrphanPolicy.IsOrphanProcess(10, hasPipeline: true, pipelineProcessId: 11));
        Assert.False(OrphanPolicy.IsOrphanProcess(10, hasPipeline: true, pipelineProcessId: 10));
    }

    [Fact]
    public void The_process_of_a_pipeline_that_is_restarting_is_no_orphan() =>
        Assert.False(OrphanPolicy.IsOrphanProcess(10, hasPipeline: true, pipelineProcessId: null));

    [Fact]
    public void An_sdp_file_goes_once_it_is_older_than_its_grace_and_has_no_pipeline()
    {
        Assert.True(File("gone.sdp", TimeSpan.FromSeconds(31)));
        Assert.False(File("gone.sdp", TimeSpan.FromSeconds(29)));
        Assert.False(File("running.sdp", TimeSpan.FromDays(1), "running"));
    }

    [Fact]
    public void An_ffmpeg_log_goes_only_for_a_channel_neither_live_nor_defined_once_past_the_grace()
    {
        Assert.True(File("gone.ffmpeg.log", TimeSpan.FromHours(2)));
        Assert.False(File("gone.ffmpeg.log", TimeSpan.FromMinutes(59)));
        Assert.False(File("live.ffmpeg.log", TimeSpan.FromDays(1)));
        Assert.False(File("defined.ffmpeg.log", TimeSpan.FromDays(1)));
    }

    [Fact]
    public void Other_files_in_the_work_folder_are_kept() =>
        Assert.False(File("notes.txt", TimeSpan.FromDays(30)));

    [Fact]
    public void An_hls_folder_goes_only_for_a_channel_neither_live_nor_defined_once_nothing_wrote_to_it_for_the_grace()
    {
        Assert.True(OrphanPolicy.IsOrphanFolder("gone", Now - TimeSpan.FromHours(2), Channels, Grace, Now));
        Assert.False(OrphanPolicy.IsOrphanFolder("gone", Now - TimeSpan.FromMinutes(30), Channels, Grace, Now));
        Assert.False(OrphanPolicy.IsOrphanFolder("live", Now - TimeSpan.FromDays(1), Channels, Grace, Now));
        Assert.False(OrphanPolicy.IsOrphanFolder("defined", Now - TimeSpan.FromDays(1), Channels, Grace, Now));
    }

    [Theory]
    [InlineData("cam1.ffmpeg.log", "cam1")]
    [InlineData("cam1.sdp", "cam1")]
    public void A_work_file_names_its_channel(string fileName, string channelId) =>
        Assert.Equal(channelId, OrphanPolicy.ChannelOf(fileName));
}
