using Broadcast.Api.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Broadcast.Api.Security;

public static class SecurityServiceExtensions
{
    /// <summary>The default authentication scheme: forwards to the API key scheme when X-Api-Key is sent, to JWT bearer otherwise.</summary>
    public const string DefaultScheme = "Broadcast";

    /// <summary>
    /// Access control: JWT bearer and API key authentication, the <see cref="BroadcastPolicies.Admin"/> policy with
    /// problem-details refusals, publish-token and signed-URL checks, per-client rate limits, the OpenAPI security
    /// schemes and the start-up report.
    /// </summary>
    public static IServiceCollection AddBroadcastSecurity(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>, ForwardedHeadersSetup>();
        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<BroadcastAccess>();
        services.AddSingleton<PublisherTransports>();
        services.AddSingleton(sp => HlsUrlSigner.From(sp.GetRequiredService<IOptions<ApiOptions>>().Value));
        services.AddSingleton<HlsViewerAccess>();

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Admin JWT or API key", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();

        services.AddAuthorizationBuilder().AddPolicy(BroadcastPolicies.Admin, p => p.AddRequirements(AdminRequirement.Instance));
        services.AddSingleton<IAuthorizationHandler, AdminAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessRefusalResultHandler>();

        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddRateLimiter(_ => { });
        services.AddSingleton<IConfigureOptions<RateLimiterOptions>, BroadcastRateLimits>();

        services.AddSingleton<IConfigureOptions<SwaggerGenOptions>, SecuritySwagger>();
        services.AddHostedService<SecurityStartupReport>();
        return services;
    }

    /// <summary>Rate limits first (cheap, and before any key is tried), then authentication and authorization. Call after UseCors.</summary>
    public static IApplicationBuilder UseBroadcastSecurity(this IApplicationBuilder app)
    {
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
