using Broadcast.Api.State;
using Broadcast.Ingest.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Api.Webhooks;

public static class WebhooksServiceExtensions
{
    /// <summary>Webhooks: the event sink every part reports to, the delivery store (database or memory) and the delivery job.</summary>
    public static IServiceCollection AddBroadcastWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<IChannelEventSink>(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<IWebhookDeliveryStore>(sp => sp.GetRequiredService<StateOptions>().UsesPostgreSql
            ? new PostgresWebhookDeliveryStore(sp.GetRequiredService<NpgsqlDataSource>())
            : new InMemoryWebhookDeliveryStore());
        services.AddTransient<WebhookDeliveryJob>();
        // A webhook is posted where it is configured to go: redirects are not followed (a 3xx counts as a failure).
        services.AddHttpClient(WebhookDeliveryJob.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        return services;
    }
}
