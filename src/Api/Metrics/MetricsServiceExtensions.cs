using Broadcast.Api.Security;
using Broadcast.Api.State;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Broadcast.Api.Metrics;

public static class MetricsServiceExtensions
{
    /// <summary>The metrics registry and its options; job runs counted as they are recorded. Call after the state is registered.</summary>
    public static IServiceCollection AddBroadcastMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<MetricsRegistry>();
        services.AddSingleton<BroadcastMetrics>();
        // Starting it creates the appliance's collectors (after the options are validated) and, with a port, the listener.
        services.AddHostedService<MetricsListener>();

        var store = services.Last(d => d.ServiceType == typeof(IJobRunStore));
        services.Remove(store);
        services.AddSingleton<IJobRunStore>(sp => new MeteredJobRunStore(Create(store, sp), sp.GetRequiredService<BroadcastMetrics>()));
        return services;
    }

    /// <summary>HTTP request metrics for every request, and GET /metrics on this listener when no port of its own is configured.</summary>
    public static WebApplication UseBroadcastMetrics(this WebApplication app)
    {
        if (!Settings(app).Enabled)
        {
            return app;
        }

        var registry = app.Services.GetRequiredService<MetricsRegistry>().Registry;
        app.UseHttpMetrics(http => http.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry)));
        return app;
    }

    public static IEndpointRouteBuilder MapBroadcastMetrics(this WebApplication app)
    {
        var options = Settings(app);
        if (options.Enabled && options.Port == 0)
        {
            var registry = app.Services.GetRequiredService<MetricsRegistry>().Registry;
            app.MapMetrics(settings => settings.Registry = registry, "/metrics")
                .RequireAuthorization(BroadcastPolicies.Admin).WithName("GetMetrics").ExcludeFromDescription();
        }

        return app;
    }

    // Read without validation while the pipeline is built: the start validates every option at once and reports them all.
    private static MetricsOptions Settings(WebApplication app) =>
        app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();

    private static IJobRunStore Create(ServiceDescriptor descriptor, IServiceProvider services) =>
        descriptor.ImplementationInstance as IJobRunStore
        ?? (IJobRunStore?)descriptor.ImplementationFactory?.Invoke(services)
        ?? (IJobRunStore)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}

/// <summary>
/// Creates the appliance's collectors and, with Metrics:Port, serves /metrics on a port of its own without authentication
/// (for a Prometheus on a private network). Hosted services are made before the options are validated: this one resolves
/// what it needs when it starts, so that an invalid setting is reported with all the others.
/// </summary>
internal sealed class MetricsListener(IServiceProvider services, ILogger<MetricsListener> logger) : IHostedService
{
    private KestrelMetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        var metrics = services.GetRequiredService<BroadcastMetrics>();
        if (!settings.Enabled || settings.Port == 0)
        {
            return Task.CompletedTask;
        }

        _server = new KestrelMetricServer(new KestrelMetricServerOptions
        {
            Hostname = settings.Hostname,
            Port = (ushort)settings.Port,
            ConfigureExporter = exporter => exporter.Registry = metrics.Registry,
        });
        _server.Start();
        logger.LogInformation("Prometheus metrics at http://{Hostname}:{Port}/metrics (no authentication)", settings.Hostname, settings.Port);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }
}
