using Broadcast.Api.Options;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// Says at start how access is controlled: a warning in the open embedded default, otherwise which credentials are
/// configured (kinds and counts, never values).
/// </summary>
/// <remarks>Options are read in <see cref="StartAsync"/>, after the host has validated them all (see MediaServerLifetime).</remarks>
public sealed class SecurityStartupReport(IServiceProvider services, ILogger<SecurityStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var api = services.GetRequiredService<IOptions<ApiOptions>>();
        var keys = services.GetRequiredService<ApiKeyRing>();
        if (api.Value.HasAdminCredentials)
        {
            logger.AdminCredentials(!string.IsNullOrEmpty(api.Value.JwtSecret), keys.Count);
        }
        else
        {
            logger.OpenDefault();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
