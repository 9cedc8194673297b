using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>The cleanup sweep of the work folder: SDP files and FFmpeg logs of channels that are gone (see <see cref="OrphanPolicy.IsOrphanFile"/>).</summary>
public sealed class OrphanFileSweep(IHlsPipelineRegistry pipelines, IOptions<HlsOptions> hls, IOptions<JobOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    public async Task SweepAsync(ChannelPresence present, List<CleanupAction> actions)
    {
        var workRoot = hls.Value.WorkRoot;
        if (!Directory.Exists(workRoot))
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var file in new DirectoryInfo(workRoot).EnumerateFiles())
        {
            // Only SDP files ask for a pipeline; one whose worker could not be asked counts as there.
            var hasPipeline = !file.Name.EndsWith(".sdp", StringComparison.Ordinal)
                || await PipelineLookup.TryGetAsync(pipelines, file.Name[..^4]).ConfigureAwait(false) is not (true, null);
            var orphan = OrphanPolicy.IsOrphanFile(file.Name, file.LastWriteTimeUtc, _ => hasPipeline, present, options.Value.DeletedChannelGrace, now);
            var bytes = orphan ? file.Length : 0; // a deleted FileInfo no longer has a length
            if (orphan && CleanupFiles.TryDelete(() => file.Delete(), _logger))
            {
                actions.Add(new FileDeleted(OrphanPolicy.ChannelOf(file.Name), file.Name, bytes));
            }
        }
    }
}
