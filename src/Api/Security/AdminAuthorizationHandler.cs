using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.AspNetCore.Authorization;

namespace Broadcast.Api.Security;

/// <summary>
/// Decides <see cref="AdminRequirement"/>: admins pass; on endpoints with <see cref="PublisherAccess"/> metadata so do
/// the channel's publishers (marked with the <see cref="PublisherGrant"/> feature). A refusal is left on the request
/// (<see cref="AccessRefusal"/> feature) for <see cref="AccessRefusalResultHandler"/> to answer with.
/// </summary>
public sealed class AdminAuthorizationHandler(BroadcastAccess access, MediaServer media, PublisherTransports publisherTransports)
    : IAuthorizationHandler
{
    public async Task HandleAsync(AuthorizationHandlerContext context)
    {
        // A group and its endpoint may both require the policy: decide once for all of them.
        var pending = context.PendingRequirements.OfType<AdminRequirement>().ToList();
        if (pending.Count == 0)
        {
            return;
        }

        AccessRefusal? refusal;
        if (context.Resource is HttpContext http)
        {
            refusal = await CheckAsync(http);
            if (refusal is not null)
            {
                http.Features.Set(refusal);
            }
        }
        else
        {
            refusal = context.User.IsInRole(BroadcastPolicies.AdminRole) ? null : AccessRefusal.CredentialMissing;
        }

        if (refusal is not null)
        {
            context.Fail(new AuthorizationFailureReason(this, refusal.Detail));
            return;
        }

        foreach (var requirement in pending)
        {
            context.Succeed(requirement);
        }
    }

    private async Task<AccessRefusal?> CheckAsync(HttpContext http)
    {
        var adminRefusal = access.CheckAdmin(http);
        if (adminRefusal is null || http.GetEndpoint()?.Metadata.GetMetadata<PublisherAccess>() is not { } publisher)
        {
            return adminRefusal;
        }

        var channelId = ChannelOf(publisher, http);
        if (channelId is null)
        {
            return adminRefusal;
        }

        var refusal = await access.CheckPublisherAsync(http, channelId, BroadcastAccess.PublishTokenOf(http.Request));
        if (refusal is null)
        {
            http.Features.Set(PublisherGrant.Instance);
        }

        return refusal;
    }

    /// <summary>The channel the request publishes to, or null when the route names nothing a publisher may use.</summary>
    private string? ChannelOf(PublisherAccess publisher, HttpContext http)
    {
        if (http.GetRouteValue(publisher.RouteValue) is not string value)
        {
            return null;
        }

        if (publisher.Target == PublishTarget.Channel)
        {
            return value;
        }

        try
        {
            // Only a transport a publisher created: one an admin made (to send media out, say) is not the token's to connect.
            return media.GetTransport(value) is PlainRtpTransport plain && publisherTransports.Contains(plain) ? plain.Router.Id : null;
        }
        catch (NotFoundException)
        {
            return null; // unknown to non-admins rather than 404: ids are not disclosed
        }
    }
}
