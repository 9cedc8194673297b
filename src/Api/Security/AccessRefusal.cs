namespace Broadcast.Api.Security;

/// <summary>
/// Why a request was refused, as the problem details the client gets: 401 when a credential or token is missing or
/// not accepted (with a WWW-Authenticate challenge), 403 when the caller is known but may not do this (HLS also refuses
/// with 404 and 503, see <see cref="HlsViewerAccess"/>). The detail says what would be accepted; it never repeats what
/// was presented.
/// </summary>
/// <param name="Status">401 or 403; for HLS also 404 or 503.</param>
/// <param name="Title">Short title.</param>
/// <param name="Detail">What to send instead.</param>
public sealed record AccessRefusal(int Status, string Title, string Detail)
{
    private const string Credentials =
        "an admin credential: Authorization: Bearer <JWT signed with JWT_SECRET (HS256), claim role = admin> or X-Api-Key: <key from API_KEYS>";

    public static AccessRefusal LoopbackOnly { get; } = new(StatusCodes.Status403Forbidden, "Loopback only",
        "No credentials are configured (JWT_SECRET, API_KEYS), so admin routes answer loopback clients only. " +
        "Set JWT_SECRET (admin JWTs, HS256, claim role = admin) or API_KEYS (header X-Api-Key) to call them from elsewhere.");

    public static AccessRefusal ForeignOrigin { get; } = new(StatusCodes.Status403Forbidden, "Origin not allowed",
        "No credentials are configured (JWT_SECRET, API_KEYS), so loopback clients are admins and signaling accepts browser pages " +
        "of the appliance's own origin and of CORS_ORIGIN only. List the page's origin in CORS_ORIGIN, or configure credentials " +
        "and publish with the channel's token.");

    public static AccessRefusal CredentialMissing { get; } = new(StatusCodes.Status401Unauthorized, "Unauthorized",
        $"This route needs {Credentials}.");

    public static AccessRefusal CredentialRefused { get; } = new(StatusCodes.Status401Unauthorized, "Unauthorized",
        $"The credential was not accepted (expired, wrongly signed, not HS256 or an unknown key). This route needs {Credentials}.");

    public static AccessRefusal NotAdmin { get; } = new(StatusCodes.Status403Forbidden, "Forbidden",
        $"The credential lacks the role admin. This route needs {Credentials}.");

    public static AccessRefusal PublishTokenMissing(string channelId) => new(StatusCodes.Status401Unauthorized, "Publish token required",
        $"Publishing to channel '{channelId}' needs its publish token (Authorization: Bearer <token>) or {Credentials}.");

    public static AccessRefusal PublishTokenWrong(string channelId) => new(StatusCodes.Status401Unauthorized, "Wrong publish token",
        $"The token is not channel '{channelId}''s publish token.");

    public static AccessRefusal AdminsOnly(string channelId, bool authenticated) => new(
        authenticated ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized,
        authenticated ? "Forbidden" : "Unauthorized",
        $"Channel '{channelId}' has no definition (no publish token): publishing to it needs {Credentials}.");

    public static AccessRefusal NoPublishers(string channelId, bool authenticated) => new(
        authenticated ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized,
        authenticated ? "Forbidden" : "Unauthorized",
        $"Channel '{channelId}' takes no publishers (an RTSP camera feeds it, or its definition has no publish token): using it needs {Credentials}.");
}

/// <summary>Thrown where a refusal is not an HTTP response of its own (WebSocket signaling); mapped to its problem details.</summary>
public sealed class AccessRefusedException(AccessRefusal refusal) : Exception(refusal.Detail)
{
    public AccessRefusal Refusal { get; } = refusal;
}
