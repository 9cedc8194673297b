using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Broadcast.Api.Security;
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
        services.AddTransient<RouterSweep>();
        services.AddTransient<OrphanProcessSweep>();
        services.AddTransient<OrphanFileSweep>();
        services.AddTransient<OrphanFolderSweep>();
        services.AddTransient<CleanupSweeps>();
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
        services.AddHostedService<JobServerLifetime>();
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
    public const string DashboardPath = "/hangfire";

    /// <summary>
    /// The Hangfire dashboard at /hangfire on this appliance's storage, behind the admin policy like the admin API.
    /// It is wired on first use, not here: creating the storage opens the database, which must not happen before the
    /// start has checked the settings (a bad connection string is reported with every other error) and migrated.
    /// </summary>
    public static IApplicationBuilder UseJobDashboard(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The admin policy decides, so Hangfire's own filter (local requests only) is switched off.
        var options = new DashboardOptions { DashboardTitle = "Broadcast jobs", AppPath = "/swagger", Authorization = [] };
        return app.Use(next =>
        {
            var dashboard = new Lazy<RequestDelegate>(() =>
            {
                var branch = app.New().UseHangfireDashboard(DashboardPath, options, app.ApplicationServices.GetRequiredService<JobStorage>());
                branch.Run(next);
                return branch.Build();
            }, LazyThreadSafetyMode.ExecutionAndPublication);
            return context => context.Request.Path.StartsWithSegments(DashboardPath)
                ? AuthorizeThenAsync(context, dashboard.Value)
                : next(context);
        });
    }

    // What the authorization middleware does for an endpoint with the admin policy: same credentials, same refusals.
    private static async Task AuthorizeThenAsync(HttpContext context, RequestDelegate dashboard)
    {
        var services = context.RequestServices;
        var policy = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(BroadcastPolicies.Admin).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The {BroadcastPolicies.Admin} policy is not registered.");
        var evaluator = services.GetRequiredService<IPolicyEvaluator>();
        var authentication = await evaluator.AuthenticateAsync(policy, context).ConfigureAwait(false);
        var authorization = await evaluator.AuthorizeAsync(policy, authentication, context, context).ConfigureAwait(false);
        await services.GetRequiredService<IAuthorizationMiddlewareResultHandler>()
            .HandleAsync(dashboard, context, policy, authorization).ConfigureAwait(false);
    }
}
