using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>
/// Registers the recurring jobs at start: cleanup on this appliance's own queue (it acts on local routers, processes
/// and folders), segment retention once for all appliances (or per appliance, see <see cref="RetentionScope"/>).
/// On a clean stop it removes this appliance's own jobs; those of appliances that died are removed by
/// <see cref="RemoveStaleHostJobs"/>.
/// </summary>
public sealed class RecurringJobRegistrar(IRecurringJobManager manager, JobStorage storage, JobHost host, IOptions<JobOptions> options,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        manager.AddOrUpdate<CleanupJob>(host.RecurringJobId(CleanupJob.Name), host.Queue, job => job.RunAsync(CancellationToken.None),
            settings.CleanupCron, utc);
        if (settings.RetentionScope == RetentionScope.Shared)
        {
            manager.AddOrUpdate<SegmentRetentionJob>(SegmentRetentionJob.Name, JobHost.SharedQueue, job => job.RunAsync(CancellationToken.None),
                settings.RetentionCron, utc);
        }
        else
        {
            manager.AddOrUpdate<SegmentRetentionJob>(host.RecurringJobId(SegmentRetentionJob.Name), host.Queue,
                job => job.RunAsync(CancellationToken.None), settings.RetentionCron, utc);
        }

        RemoveStaleHostJobs(manager, storage, host, _logger);
        _logger.JobsStarted(storage is Hangfire.PostgreSql.PostgreSqlStorage ? "PostgreSQL" : "memory", host.Name, settings.CleanupCron,
            settings.RetentionCron, settings.RetentionScope);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        manager.RemoveIfExists(host.RecurringJobId(CleanupJob.Name));
        manager.RemoveIfExists(host.RecurringJobId(SegmentRetentionJob.Name));
        return Task.CompletedTask;
    }

    /// <summary>Removes the per-host recurring jobs of appliances that no longer run a Hangfire server.</summary>
    public static void RemoveStaleHostJobs(IRecurringJobManager manager, JobStorage storage, JobHost host, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        // Hangfire names servers "<name in lower case>:<pid>:<guid>" and drops them after missed heartbeats.
        var running = storage.GetMonitoringApi().Servers().Select(s => s.Name.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        using var connection = storage.GetConnection();
        foreach (var job in connection.GetRecurringJobs())
        {
            if (JobHost.HostOf(job.Id) is { } owner && !string.Equals(owner, host.Name, StringComparison.OrdinalIgnoreCase)
                && !running.Contains(owner.ToLowerInvariant()))
            {
                manager.RemoveIfExists(job.Id);
                logger.StaleHostJobRemoved(job.Id, owner);
            }
        }
    }
}
