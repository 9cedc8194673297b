using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>The cleanup sweep of HLS folders of channels that are gone (see <see cref="OrphanPolicy.IsOrphanFolder"/>).</summary>
public sealed class OrphanFolderSweep(IOptions<HlsOptions> hls, IOptions<JobOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    public void Sweep(ChannelPresence present, List<CleanupAction> actions)
    {
        var root = hls.Value.Root;
        if (!Directory.Exists(root))
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var folder in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (present.IsKnown(folder.Name))
            {
                continue;
            }

            // Files' times, not the folder's: deleting segments (retention) touches the folder too.
            long bytes = 0;
            DateTime? newest = null;
            try
            {
                foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    bytes += file.Length;
                    newest = newest is { } known && known >= file.LastWriteTimeUtc ? known : file.LastWriteTimeUtc;
                }

                newest ??= folder.LastWriteTimeUtc;
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }

            if (OrphanPolicy.IsOrphanFolder(folder.Name, newest.Value, present, options.Value.DeletedChannelGrace, now)
                && CleanupFiles.TryDelete(() => folder.Delete(recursive: true), _logger))
            {
                actions.Add(new FolderDeleted(folder.Name, bytes));
            }
        }
    }
}
