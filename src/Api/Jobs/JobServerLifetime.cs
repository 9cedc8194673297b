using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>
/// Runs this appliance's Hangfire server (on its own queue and the shared one) and registers the recurring jobs:
/// cleanup on this appliance's queue (it acts on local routers, processes and folders), segment retention once for
/// all appliances (or per appliance, see <see cref="RetentionScope"/>). On a clean stop it removes this appliance's own
/// jobs; those of appliances that died are removed by <see cref="RemoveStaleHostJobs"/>.
/// </summary>
/// <remarks>
/// Everything is resolved in <see cref="StartAsync"/>, after the settings were validated and the database migrated:
/// the storage opens the database when it is created.
/// </remarks>
public sealed class JobServerLifetime(IServiceProvider services, JobHost host, IOptions<JobOptions> options, ILoggerFactory loggers)
    : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);
    /// <summary>How long a per-host job may go unrun, its appliance absent from the servers, before it counts as stale.</summary>
    public static readonly TimeSpan StaleHostGrace = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan ReregisterInterval = TimeSpan.FromMinutes(5);

    private BackgroundJobServer? _server;
    private Timer? _reregister;
    private IRecurringJobManager? _manager;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Applies the serializer and log settings of AddHangfire before anything is stored.
        _ = services.GetRequiredService<IGlobalConfiguration>();
        var storage = services.GetRequiredService<JobStorage>();
        var manager = _manager = services.GetRequiredService<IRecurringJobManager>();
        var settings = options.Value;
        _server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            ServerName = host.Name,
            Queues = [host.Queue, JobHost.SharedQueue],
            WorkerCount = settings.WorkerCount,
            SchedulePollingInterval = settings.PollInterval,
            ShutdownTimeout = TimeSpan.FromSeconds(5),
            Activator = services.GetRequiredService<JobActivator>(),
        }, storage);

        Register(manager);
        // Registered again now and then: should another appliance take this one for gone (a database outage longer
        // than Hangfire's server timeout) and remove its jobs, they come back.
        _reregister = new Timer(_ => RegisterQuietly(manager), null, ReregisterInterval, ReregisterInterval);
        RemoveStaleHostJobs(manager, storage, host, _logger, DateTime.UtcNow);
        _logger.JobsStarted(storage is Hangfire.PostgreSql.PostgreSqlStorage ? "PostgreSQL" : "memory", host.Name, settings.CleanupCron,
            settings.RetentionCron, settings.RetentionScope);
        return Task.CompletedTask;
    }

    private void Register(IRecurringJobManager manager)
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
    }

    // On the timer: a database that is away now is tried again at the next tick.
    private void RegisterQuietly(IRecurringJobManager manager)
    {
        try
        {
            Register(manager);
        }
#pragma warning disable CA1031 // A timer callback must not throw; storages throw their own exception types.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.JobRegistrationFailed(ex, host.Name);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reregister is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        _manager?.RemoveIfExists(host.RecurringJobId(CleanupJob.Name));
        _manager?.RemoveIfExists(host.RecurringJobId(SegmentRetentionJob.Name));
        if (_server is { } server)
        {
            server.SendStop();
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _reregister?.Dispose();
        _server?.Dispose();
    }

    /// <summary>
    /// Removes the per-host recurring jobs of appliances that no longer run a Hangfire server and whose jobs have not run
    /// (nor been registered) for <see cref="StaleHostGrace"/>: a missed heartbeat alone does not make an appliance gone.
    /// </summary>
    public static void RemoveStaleHostJobs(IRecurringJobManager manager, JobStorage storage, JobHost host, ILogger logger, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(storage);
        // Hangfire names servers "<name in lower case>:<pid>:<guid>" and drops them after missed heartbeats.
        var running = storage.GetMonitoringApi().Servers().Select(s => s.Name.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        using var connection = storage.GetConnection();
        foreach (var job in connection.GetRecurringJobs())
        {
            if (JobHost.HostOf(job.Id) is { } owner && !string.Equals(owner, host.Name, StringComparison.OrdinalIgnoreCase)
                && !running.Contains(owner.ToLowerInvariant())
                && utcNow - (job.LastExecution ?? job.CreatedAt ?? DateTime.MinValue) > StaleHostGrace)
            {
                manager.RemoveIfExists(job.Id);
                logger.StaleHostJobRemoved(job.Id, owner);
            }
        }
    }
}
