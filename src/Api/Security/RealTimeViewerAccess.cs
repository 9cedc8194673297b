using Microsoft.AspNetCore.Authorization;

namespace Broadcast.Api.Security;

/// <summary>Who may watch a channel in real time (WHEP, mediasoup-client consumers over signaling).</summary>
public static class RealTimeViewerAccess
{
    /// <summary>
    /// The channel's HLS rule (<see cref="HlsViewerAccess"/>): open, or for a channel with signed HLS the same signed
    /// query (<c>?expires=…&amp;sig=…</c>). A presented admin credential (a bearer JWT with role admin, or an API key;
    /// not the open default's loopback rule) also opens a signed channel, as real-time players send
    /// <c>Authorization: Bearer</c> rather than signed URLs.
    /// </summary>
    public static async Task<HlsViewerDecision> CheckRealTimeViewerAsync(this HlsViewerAccess viewers, HttpContext context,
        IAuthorizationService authorization, string channelId)
    {
        var decision = await viewers.CheckAsync(channelId, context.Request.Query, context.RequestAborted);
        if (decision.Refusal is { Status: StatusCodes.Status403Forbidden } && context.User.Identity?.IsAuthenticated == true
            && (await authorization.AuthorizeAsync(context.User, BroadcastPolicies.Admin)).Succeeded)
        {
            return decision with { Refusal = null };
        }

        return decision;
    }
}
