using System.Net;
using Broadcast.Api.Cluster;
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
/// "Loopback" is the TCP peer's address. A request carrying a header that proxies add (<see cref="ProxyHeaders"/>) came
/// through a proxy and is never treated as loopback, so a reverse proxy on the same host does not make every client an
/// admin. A browser on the appliance's machine is a loopback client too: in the open default, signaling (which takes no
/// credential) refuses pages of other origins (<see cref="CheckSignalingOrigin"/>).
/// </remarks>
public sealed class BroadcastAccess(IOptions<ApiOptions> api, IChannelStore channels, RedirectGrants? grants = null)
{
    /// <summary>The header that may carry a publish token instead of <c>Authorization: Bearer</c>.</summary>
    public const string PublishTokenHeader = "X-Publish-Token";

    /// <summary>Headers that reverse proxies add: a request with any of them is not a loopback client.</summary>
    public static IReadOnlyList<string> ProxyHeaders { get; } =
        ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via"];

    private readonly IReadOnlyList<string> _corsOrigins = api.Value.CorsOriginList;

    /// <summary>True when no admin credentials are configured: admin routes answer loopback clients only.</summary>
    public bool IsOpenDefault { get; } = !api.Value.HasAdminCredentials;

    /// <summary>Null when the request may use admin routes, otherwise why not.</summary>
    public AccessRefusal? CheckAdmin(HttpContext http)
    {
        if (http.User.IsInRole(BroadcastPolicies.AdminRole) || grants?.Verify(http.Request) == RedirectGrant.Admin)
        {
            return null;
        }

        if (IsOpenDefault)
        {
            // A page of another site open in a browser on this machine is a loopback client too: it gets no admin.
            return !IsLoopbackClient(http) ? AccessRefusal.LoopbackOnly : CheckSignalingOrigin(http);
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

        if (grants?.Verify(http.Request) is not null)
        {
            return null; // the appliance that sent the publisher here checked its token
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

    /// <summary>
    /// Null when a browser page may act through this request, otherwise why not. In the open default a loopback client
    /// is an admin, so any site open in a browser on this machine could publish (signaling, WHIP) or call admin routes
    /// through it: a browser's Origin must be the appliance's own (scheme, address or localhost, and port of the
    /// request) or listed in CORS_ORIGIN. Clients that send no Origin (scripts, native clients) are not browsers and
    /// pass. With credentials configured, credentials and publish tokens decide.
    /// </summary>
    public AccessRefusal? CheckSignalingOrigin(HttpContext http)
    {
        if (!IsOpenDefault || http.Request.Headers.Origin is not { Count: > 0 } header)
        {
            return null;
        }

        var origin = header.ToString();
        return IsOwnOrigin(http.Request, origin) || _corsOrigins.Any(o => o == "*" || string.Equals(o, origin, StringComparison.OrdinalIgnoreCase))
            ? null
            : AccessRefusal.ForeignOrigin;
    }

    /// <summary>The publish token of an HTTP request: X-Publish-Token, else <c>Authorization: Bearer</c>.</summary>
    public static string? PublishTokenOf(HttpRequest request) =>
        request.Headers[PublishTokenHeader] is { Count: 1 } header && !string.IsNullOrEmpty(header[0])
            ? header[0]
            : JwtBearerSetup.BearerToken(request);

    /// <summary>True when the TCP peer is a loopback address and no proxy forwarded the request (none of <see cref="ProxyHeaders"/>).</summary>
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

        if (!IPAddress.IsLoopback(address))
        {
            return false;
        }

        foreach (var header in ProxyHeaders)
        {
            if (http.Request.Headers.ContainsKey(header))
            {
                return false;
            }
        }

        return true;
    }

    // The Host header comes from the page too: a name that an attacker re-resolves to 127.0.0.1 (DNS rebinding) would
    // match it, so only address literals and localhost count as the appliance's own origin.
    private static bool IsOwnOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var page)
        && (page.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || string.Equals(page.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        && Uri.TryCreate($"{request.Scheme}://{request.Host}", UriKind.Absolute, out var own)
        && string.Equals(page.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(page.IdnHost, own.IdnHost, StringComparison.OrdinalIgnoreCase)
        && page.Port == own.Port;

    private static bool PresentsCredential(HttpRequest request) =>
        request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) || JwtBearerSetup.BearerToken(request) is not null;
}
