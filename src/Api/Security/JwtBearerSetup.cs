using System.Text;
using Broadcast.Api.Options;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Broadcast.Api.Security;

/// <summary>
/// Microsoft's JWT bearer handler for admin tokens: HS256 only, signed with JWT_SECRET, an expiry required (30 s of
/// clock skew), issuer and audience checked when Api:JwtIssuer and Api:JwtAudience name them, roles from the "role" claim as written (no claim-type mapping).
/// </summary>
/// <remarks>
/// Publishing routes take the channel's publish token in the same Authorization header. Those tokens are not JWTs, so
/// anything that is not shaped like one (three dot-separated parts) is left alone instead of failing, and so is every
/// token when no secret is configured: neither is logged as a failed authentication.
/// </remarks>
public sealed class JwtBearerSetup(IOptions<ApiOptions> api) : IConfigureNamedOptions<JwtBearerOptions>
{
    private const string BearerPrefix = "Bearer ";

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name == JwtBearerDefaults.AuthenticationScheme)
        {
            Configure(options);
        }
    }

    public void Configure(JwtBearerOptions options)
    {
        var secret = api.Value.JwtSecret;
        var configured = !string.IsNullOrEmpty(secret);
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = !string.IsNullOrEmpty(api.Value.JwtIssuer),
            ValidIssuer = api.Value.JwtIssuer,
            ValidateAudience = !string.IsNullOrEmpty(api.Value.JwtAudience),
            ValidAudience = api.Value.JwtAudience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = configured ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret!)) : null,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            RoleClaimType = BroadcastPolicies.RoleClaim,
            NameClaimType = "sub",
        };
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var token = BearerToken(context.Request);
                if (configured && token is not null && LooksLikeJwt(token))
                {
                    context.Token = token;
                }
                else
                {
                    context.NoResult();
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[BearerPrefix.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static bool LooksLikeJwt(string token) => token.AsSpan().Count('.') == 2;
}
