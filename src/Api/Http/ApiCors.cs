using Broadcast.Api.Options;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Http;

/// <summary>
/// The REST API's CORS policy, built from Api:CorsOrigins (CORS_ORIGIN). Without origins there is no policy and
/// browsers may call the API from its own origin only; any request header is allowed (Authorization, X-Api-Key).
/// WHIP allows any origin (publishers' pages live elsewhere; the publish token, not the origin, controls access) with
/// Authorization allowed and Location and ETag exposed. HLS files carry their own "*" headers.
/// </summary>
public sealed class ApiCors(IOptions<ApiOptions> api) : IConfigureOptions<CorsOptions>
{
    public const string PolicyName = "api";
    public const string WhipPolicyName = "whip";

    public void Configure(CorsOptions options)
    {
        options.AddPolicy(WhipPolicyName, policy => policy.AllowAnyOrigin()
            .WithMethods(HttpMethods.Post, HttpMethods.Patch, HttpMethods.Delete, HttpMethods.Options)
            .WithHeaders("Authorization", "Content-Type", "If-Match")
            .WithExposedHeaders("Location", "ETag", "Link"));

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
