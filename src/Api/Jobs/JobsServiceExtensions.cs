using Broadcast.Api.State;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

public static class JobsServiceExtensions
{
    /// <summary>
    /// Hangfire on PostgreSQL when the appliance has a database (its "hangfire" schema, created and upgraded by
    /// Hangfire.PostgreSql itself), in memory otherwise; a server on this appliance's queue and the shared one; the
    /// cleanup and segment-retention jobs.
    /// </summary>
    public static IServiceCollection AddBroadcastJobs(this IServiceCollection services)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobOptions>, JobOptionsValidator>();
        services.AddSingleton<JobHost>();
        services.AddTransient<CleanupJob>();
        services.AddTransient<SegmentRetentionJob>();

        // This appliance's own storage rather than Hangfire's static JobStorage.Current, which several appliances in
        // one process (the tests) would overwrite for each other. Registered before AddHangfire, whose TryAdd keeps it.
        services.AddSingleton<JobStorage>(sp => CreateStorage(sp.GetRequiredService<StateOptions>(), sp.GetRequiredService<IOptions<JobOptions>>().Value));
        // The same for the job activator: jobs must resolve their services from this appliance's container.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, configuration) => configuration
            .UseLogProvider(new HangfireLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, server) =>
        {
            var host = sp.GetRequiredService<JobHost>();
            var jobs = sp.GetRequiredService<IOptions<JobOptions>>().Value;
            server.ServerName = host.Name;
            server.Queues = [host.Queue, JobHost.SharedQueue];
            server.WorkerCount = jobs.WorkerCount;
            server.SchedulePollingInterval = jobs.PollInterval;
            server.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        services.AddHostedService<RecurringJobRegistrar>();
        return services;
    }

    private static JobStorage CreateStorage(StateOptions state, JobOptions jobs)
    {
        if (!state.UsesPostgreSql)
        {
            return new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long });
        }

        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = jobs.PollInterval,
            DistributedLockTimeout = TimeSpan.FromMinutes(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(state.ConnectionString!, options), options);
    }
}

public static class JobDashboardExtensions
{
    /// <summary>The Hangfire dashboard at /hangfire on this appliance's storage.</summary>
    public static IEndpointRouteBuilder MapJobDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var storage = app.ServiceProvider.GetRequiredService<JobStorage>();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { DashboardTitle = "Broadcast jobs", AppPath = "/swagger" }, storage);
        return app;
    }
}
