using System.Diagnostics;
using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>The cleanup sweep of FFmpeg processes that no pipeline owns (see <see cref="OrphanPolicy.IsOrphanProcess"/>).</summary>
public sealed class OrphanProcessSweep(IHlsPipelineRegistry pipelines, IOptions<HlsOptions> hls, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    public async Task SweepAsync(List<CleanupAction> actions)
    {
        foreach (var process in FfmpegProcessTable.Find(hls.Value.WorkRoot))
        {
            // A pipeline whose worker could not be asked (stopped, or no answer in time) may well own the process.
            var (known, status) = await PipelineLookup.TryGetAsync(pipelines, process.ChannelId).ConfigureAwait(false);
            if (!known || !OrphanPolicy.IsOrphanProcess(process.ProcessId, status is not null, status?.ProcessId))
            {
                continue;
            }

            try
            {
                using var orphan = Process.GetProcessById(process.ProcessId);
                orphan.Kill(entireProcessTree: true);
                actions.Add(new ProcessKilled(process.ChannelId, process.ProcessId));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // exited in the meantime, or not ours to kill
            }
        }
    }
}
