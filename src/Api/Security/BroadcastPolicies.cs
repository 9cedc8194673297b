using Microsoft.AspNetCore.Authorization;

namespace Broadcast.Api.Security;

/// <summary>
/// The appliance's authorization policies. <see cref="Admin"/> guards the mediasoup REST API, channel management,
/// stats and the Hangfire dashboard (MapHangfireDashboardWithAuthorizationPolicy); endpoints that publish media add
/// <see cref="PublisherAccessExtensions.RequireAdminOrPublisher{TBuilder}"/> so that the channel's publish token is
/// accepted as well.
/// </summary>
public static class BroadcastPolicies
{
    /// <summary>
    /// An admin credential: a bearer JWT signed with JWT_SECRET (HS256) carrying the claim role = admin, or an API key in
    /// X-Api-Key. With neither configured (the embedded default), loopback clients only.
    /// </summary>
    public const string Admin = "broadcast-admin";

    /// <summary>The role of admin credentials.</summary>
    public const string AdminRole = "admin";

    /// <summary>The JWT claim that carries roles (a string or an array of strings).</summary>
    public const string RoleClaim = "role";
}

/// <summary>The requirement behind <see cref="BroadcastPolicies.Admin"/>; see <see cref="AdminAuthorizationHandler"/>.</summary>
public sealed class AdminRequirement : IAuthorizationRequirement
{
    public static AdminRequirement Instance { get; } = new();
}

/// <summary>How an endpoint that admits publishers finds the channel they publish to.</summary>
public enum PublishTarget
{
    /// <summary>The route value is the channel id (which is also its router's id).</summary>
    Channel,

    /// <summary>
    /// The route value is a transport id: a plain RTP transport that a publisher created admits its router's publishers
    /// (see <see cref="PublisherTransports"/>), other transports admins only.
    /// </summary>
    PlainTransport,
}

/// <summary>Endpoint metadata: besides admins, the publishers of the channel named by <paramref name="RouteValue"/> may call it.</summary>
/// <param name="Target">What the route value names.</param>
/// <param name="RouteValue">The route parameter holding it.</param>
public sealed record PublisherAccess(PublishTarget Target, string RouteValue);

public static class PublisherAccessExtensions
{
    /// <summary>
    /// Admits admins and the channel's publishers: its publish token in <c>Authorization: Bearer</c> or X-Publish-Token
    /// for a publisher channel; admins only for a channel whose definition has no token (an RTSP camera's); for channels
    /// without a definition, admins only, or anyone in the open embedded default.
    /// </summary>
    public static TBuilder RequireAdminOrPublisher<TBuilder>(this TBuilder builder, PublishTarget target, string routeValue = "id")
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(BroadcastPolicies.Admin).WithMetadata(new PublisherAccess(target, routeValue));
}
