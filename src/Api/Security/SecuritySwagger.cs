using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Broadcast.Api.Security;

/// <summary>
/// The OpenAPI document's security: a bearer scheme (admin JWT, or on publishing routes the channel's publish token)
/// and an API key scheme (X-Api-Key), required, as alternatives, by every operation behind
/// <see cref="BroadcastPolicies.Admin"/>; Swagger UI's "Authorize" then sends them.
/// </summary>
public sealed class SecuritySwagger : IConfigureOptions<SwaggerGenOptions>
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";

    public void Configure(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Admin JWT signed with JWT_SECRET (HS256) with the claim role = admin. On publishing routes (WHIP, plain RTP " +
                "transports and producers) the channel's publish token is accepted instead.",
        });
        options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "Admin API key, one of API_KEYS.",
        });
        options.OperationFilter<SecurityOperationFilter>();
    }
}

/// <summary>Marks operations behind <see cref="BroadcastPolicies.Admin"/> with the two schemes and their 401 and 403 answers.</summary>
public sealed class SecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any(a => a.Policy == BroadcastPolicies.Admin))
        {
            return;
        }

        var publishers = metadata.OfType<PublisherAccess>().Any();
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySwagger.BearerScheme, context.Document)] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySwagger.ApiKeyScheme, context.Document)] = [] });
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse
        {
            Description = publishers ? "No or wrong credential or publish token." : "No or wrong admin credential.",
        });
        operation.Responses.TryAdd("403", new OpenApiResponse
        {
            Description = "The credential is not an admin's, or no credentials are configured and the client is not on loopback.",
        });
    }
}
