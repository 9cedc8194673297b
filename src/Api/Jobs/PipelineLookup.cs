using Broadcast.Ingest.Routing;
using Broadcast.Transcode;

namespace Broadcast.Api.Jobs;

/// <summary>What the orphan sweeps ask of the HLS pipelines.</summary>
internal static class PipelineLookup
{
    /// <summary>The channel's pipeline status, with Known false when its worker stopped or did not answer in time.</summary>
    public static async Task<(bool Known, HlsPipelineStatus? Status)> TryGetAsync(IHlsPipelineRegistry pipelines, string channelId)
    {
        try
        {
            return (true, await pipelines.GetAsync(channelId).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is WorkerClosedException or WorkerTimeoutException)
        {
            return (false, null);
        }
    }
}
