using Broadcast.Api.Options;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Hosting;

/// <summary>
/// The REST API's CORS policy, built from Api:CorsOrigins (CORS_ORIGIN). Without origins there is no policy and
/// browsers may call the API from its own origin only. HLS files carry their own "*" headers.
/// </summary>
public sealed class ApiCors(IOptions<ApiOptions> api) : IConfigureOptions<CorsOptions>
{
    public const string PolicyName = "api";

    public void Configure(CorsOptions options)
    {
        var origins = api.Value.CorsOriginList;
        if (origins.Count == 0)
        {
            return;
        }

        options.AddPolicy(PolicyName, policy =>
        {
            if (origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. origins]);
            }

            policy.AllowAnyHeader().AllowAnyMethod();
        });
    }
}
