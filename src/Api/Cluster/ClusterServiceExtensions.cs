using Broadcast.Api.State;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Cluster;

public static class ClusterServiceExtensions
{
    /// <summary>
    /// Channel ownership: leases in PostgreSQL shared with other appliances when ConnectionStrings:Broadcast is set
    /// (<see cref="ClusterCoordinator"/>), else this appliance owns everything. Registers <see cref="ClusterOptions"/>.
    /// </summary>
    public static IServiceCollection AddBroadcastCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>()
            .BindConfiguration(ClusterOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton<ApplianceIdentity>();
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(StateOptions.ConnectionStringName)))
        {
            services.AddSingleton<IChannelOwnership, LocalOwnership>();
            return services;
        }

        services.AddSingleton<ClusterStore>();
        services.AddSingleton<RedirectGrants>();
        services.AddSingleton<ClusterCoordinator>();
        services.AddSingleton<IChannelOwnership>(sp => sp.GetRequiredService<ClusterCoordinator>());
        // After the channel restorer and the media plane: it joins once Kestrel listens (StartedAsync).
        services.AddHostedService(sp => sp.GetRequiredService<ClusterCoordinator>());
        return services;
    }
}
