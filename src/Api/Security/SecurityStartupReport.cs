using Broadcast.Api.Options;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// Says at start how access is controlled: a warning in the open embedded default, otherwise which credentials are
/// configured (kinds and counts, never values); where the HLS signing key comes from; the rate limits.
/// </summary>
/// <remarks>Options are read in <see cref="StartAsync"/>, after the host has validated them all (see MediaServerLifetime).</remarks>
public sealed class SecurityStartupReport(IServiceProvider services, ILogger<SecurityStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var api = services.GetRequiredService<IOptions<ApiOptions>>();
        var keys = services.GetRequiredService<ApiKeyRing>();
        var signer = services.GetRequiredService<HlsUrlSigner>();
        var limits = services.GetRequiredService<IOptions<RateLimitOptions>>();
        if (api.Value.HasAdminCredentials)
        {
            logger.AdminCredentials(!string.IsNullOrEmpty(api.Value.JwtSecret), keys.Count);
        }
        else
        {
            logger.OpenDefault();
        }

        logger.HlsSigningKey(signer.KeySource switch
        {
            HlsKeySource.Configured => "HLS_SIGNING_KEY",
            HlsKeySource.DerivedFromJwtSecret => "a key derived from JWT_SECRET",
            _ => "a random key of this process (URLs end with a restart; set HLS_SIGNING_KEY when several appliances serve)",
        });
        logger.RateLimits(limits.Value.RequestsPerSecond, limits.Value.WhipPerMinute);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
