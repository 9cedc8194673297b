using Broadcast.Api.State.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Api.State;

public static class StateServiceExtensions
{
    /// <summary>
    /// The channel and job-run stores: PostgreSQL when ConnectionStrings:Broadcast is set (migrated before any hosted
    /// service starts), memory otherwise. Also registers <see cref="StateOptions"/>, validated on start.
    /// </summary>
    public static IServiceCollection AddBroadcastState(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StateOptions>()
            .BindConfiguration(StateOptions.Section)
            .Configure<IConfiguration>((state, config) => state.ConnectionString = config.GetConnectionString(StateOptions.ConnectionStringName))
            // The key file is relative to the content root, like the HLS folders.
            .PostConfigure<IHostEnvironment>((state, environment) =>
                state.KeyFile = string.IsNullOrWhiteSpace(state.KeyFile) ? state.KeyFile : Path.GetFullPath(state.KeyFile, environment.ContentRootPath))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StateOptions>, StateOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<StateOptions>>().Value);
        services.AddHostedService<StateStartup>();

        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(StateOptions.ConnectionStringName)))
        {
            services.AddSingleton<IChannelStore, InMemoryChannelStore>();
            services.AddSingleton<IJobRunStore, InMemoryJobRunStore>();
            return services;
        }

        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<StateOptions>().ConnectionString)
            .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
            .Build());
        services.AddSingleton(sp => LoadKey(sp.GetRequiredService<StateOptions>(), sp.GetRequiredService<ILogger<StateStartup>>()));
        services.AddSingleton<SecretCipher>();
        services.AddSingleton(sp => new DatabaseMigrator(sp.GetRequiredService<StateOptions>().ConnectionString!,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(StateLog.MigrationsCategory)));
        services.AddSingleton<IChannelStore, PostgresChannelStore>();
        services.AddSingleton<IJobRunStore>(sp => new PostgresJobRunStore(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }

    private static StateKey LoadKey(StateOptions options, ILogger logger)
    {
        StateKey key;
        if (options.HasSecretKey)
        {
            key = StateKey.FromSecret(options.SecretKey!);
        }
        else
        {
            key = StateKey.FromKeyFile(options.KeyFile, out var created);
            if (created)
            {
                logger.KeyFileCreated(options.KeyFile, key.Id);
            }
            else if (StateKey.IsOpenToOthers(options.KeyFile))
            {
                logger.KeyFileOpenToOthers(options.KeyFile);
            }
        }

        logger.SecretKeyLoaded(key.Id, key.Origin);
        return key;
    }
}
