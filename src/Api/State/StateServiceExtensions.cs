namespace Broadcast.Api.State;

public static class StateServiceExtensions
{
    /// <summary>The channel and job-run stores: PostgreSQL when ConnectionStrings:Broadcast is set, memory otherwise.</summary>
    public static IServiceCollection AddBroadcastState(this IServiceCollection services, IConfiguration configuration)
    {
        var state = new StateOptions { ConnectionString = configuration.GetConnectionString(StateOptions.ConnectionStringName) };
        services.AddSingleton(state);
        services.AddSingleton<IChannelStore, InMemoryChannelStore>();
        services.AddSingleton<IJobRunStore, InMemoryJobRunStore>();
        return services;
    }
}
