using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace Broadcast.Api.Security;

/// <summary>
/// Answers refused requests with RFC 9457 problem details saying what would be accepted: 401 after the default
/// scheme's challenge (WWW-Authenticate: Bearer, with error="invalid_token" for a refused JWT; ApiKey when an X-Api-Key
/// was sent), 403 otherwise. Policies other than the appliance's keep ASP.NET's behaviour.
/// </summary>
public sealed class AccessRefusalResultHandler(IProblemDetailsService problems, ILogger<AccessRefusalResultHandler> logger)
    : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || context.Features.Get<AccessRefusal>() is not { } refusal)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (refusal.Status == StatusCodes.Status401Unauthorized)
        {
            await context.ChallengeAsync();
        }

        context.Response.StatusCode = refusal.Status;
        logger.AccessRefused(context.Request.Method, context.Request.Path, refusal.Status, refusal.Title);
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = refusal.Status, Title = refusal.Title, Detail = refusal.Detail },
        });
    }
}
