using System.Net;
using Broadcast.Api.Options;
using Broadcast.Api.State;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// Who may administer and who may publish. An admin holds a JWT with role admin or an API key (see
/// <see cref="ApiKeyAuthenticationHandler"/>, <see cref="JwtBearerSetup"/>); in the open embedded default (neither
/// JWT_SECRET nor API_KEYS) every loopback client is one. A publisher channel's publishers present its publish token; a
/// channel whose definition has no token (an RTSP camera's) takes admins only; a channel without a definition (an
/// ad-hoc router) takes admins only, or anyone in the open default.
/// </summary>
/// <remarks>
/// "Loopback" is the TCP peer's address. A request carrying Forwarded or X-Forwarded-For came through a proxy and is
/// never treated as loopback, so a reverse proxy on the same host does not make every client an admin.
/// </remarks>
public sealed class BroadcastAccess(IOptions<ApiOptions> api, IChannelStore channels)
{
    /// <summary>The header that may carry a publish token instead of <c>Authorization: Bearer</c>.</summary>
    public const string PublishTokenHeader = "X-Publish-Token";

    /// <summary>True when no admin credentials are configured: admin routes answer loopback clients only.</summary>
    public bool IsOpenDefault { get; } = !api.Value.HasAdminCredentials;

    /// <summary>Null when the request may use admin routes, otherwise why not.</summary>
    public AccessRefusal? CheckAdmin(HttpContext http)
    {
        if (http.User.IsInRole(BroadcastPolicies.AdminRole))
        {
            return null;
        }

        if (IsOpenDefault)
        {
            return IsLoopbackClient(http) ? null : AccessRefusal.LoopbackOnly;
        }

        if (http.User.Identity?.IsAuthenticated == true)
        {
            return AccessRefusal.NotAdmin;
        }

        return PresentsCredential(http.Request) ? AccessRefusal.CredentialRefused : AccessRefusal.CredentialMissing;
    }

    /// <summary>Null when the request may publish to <paramref name="channelId"/> with <paramref name="token"/>, otherwise why not.</summary>
    public async Task<AccessRefusal?> CheckPublisherAsync(HttpContext http, string channelId, string? token)
    {
        var adminRefusal = CheckAdmin(http);
        if (adminRefusal is null)
        {
            return null;
        }

        var authenticated = http.User.Identity?.IsAuthenticated == true;
        var channel = await channels.FindAccessAsync(channelId, http.RequestAborted);
        if (channel is null)
        {
            return IsOpenDefault ? null : AccessRefusal.AdminsOnly(channelId, authenticated);
        }

        // Publisher channels always get a token; a definition without one (an RTSP camera's) has no publishers.
        if (!channel.Source.IsPublisher() || channel.PublishTokenHash is not { } hash)
        {
            return IsOpenDefault ? adminRefusal : AccessRefusal.NoPublishers(channelId, authenticated);
        }

        if (string.IsNullOrEmpty(token))
        {
            return AccessRefusal.PublishTokenMissing(channelId);
        }

        return PublishToken.Matches(token, hash) ? null : AccessRefusal.PublishTokenWrong(channelId);
    }

    /// <summary>The publish token of an HTTP request: X-Publish-Token, else <c>Authorization: Bearer</c>.</summary>
    public static string? PublishTokenOf(HttpRequest request) =>
        request.Headers[PublishTokenHeader] is { Count: 1 } header && !string.IsNullOrEmpty(header[0])
            ? header[0]
            : JwtBearerSetup.BearerToken(request);

    /// <summary>True when the TCP peer is a loopback address and no proxy forwarded the request.</summary>
    public static bool IsLoopbackClient(HttpContext http)
    {
        if (http.Connection.RemoteIpAddress is not { } address)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address)
            && !http.Request.Headers.ContainsKey("Forwarded")
            && !http.Request.Headers.ContainsKey("X-Forwarded-For");
    }

    private static bool PresentsCredential(HttpRequest request) =>
        request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) || JwtBearerSetup.BearerToken(request) is not null;
}
