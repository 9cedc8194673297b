using System.Diagnostics;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Channels;

/// <summary>What one visit to a worker loop read from its live channels, and how long the loop took to get to it.</summary>
/// <param name="Worker">The worker visited.</param>
/// <param name="Lag">From posting the visit to its start; the answer timeout when the worker did not answer.</param>
/// <param name="Channels">Each open router's id and reading; null when the worker did not answer in time or has stopped.</param>
/// <param name="Unvisited">The routers of a worker that did not answer: their readings are unknown, not gone.</param>
public sealed record WorkerVisit<T>(Worker Worker, TimeSpan Lag, IReadOnlyList<(string Channel, T Reading)>? Channels, IReadOnlyList<Router> Unvisited);

/// <summary>Reads every live channel with one item per worker loop, instead of one per channel.</summary>
public static class WorkerVisits
{
    /// <param name="media">The media plane.</param>
    /// <param name="read">Reads one open router; runs on its worker.</param>
    /// <param name="cancellationToken">Ends the wait for the workers.</param>
    public static Task<WorkerVisit<T>[]> ReadAllAsync<T>(MediaServer media, Func<Router, T> read, CancellationToken cancellationToken)
    {
        var routers = media.Routers.ToLookup(r => r.Worker);
        return Task.WhenAll(media.Workers.Workers.Select(w => VisitAsync(w, [.. routers[w]], read, cancellationToken)));
    }

    private static async Task<WorkerVisit<T>> VisitAsync<T>(Worker worker, Router[] routers, Func<Router, T> read, CancellationToken cancellationToken)
    {
        var posted = Stopwatch.GetTimestamp();
        try
        {
            return await worker.InvokeAsync(() =>
            {
                var lag = Stopwatch.GetElapsedTime(posted);
                var channels = new List<(string, T)>(routers.Length);
                foreach (var router in routers)
                {
                    if (!router.IsClosed)
                    {
                        channels.Add((router.Id, read(router)));
                    }
                }

                return new WorkerVisit<T>(worker, lag, channels, []);
            }, Worker.DefaultAnswerTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WorkerTimeoutException or WorkerClosedException)
        {
            return new WorkerVisit<T>(worker, Worker.DefaultAnswerTimeout, null, routers);
        }
    }
}
