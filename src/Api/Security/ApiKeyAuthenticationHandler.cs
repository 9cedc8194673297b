using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Broadcast.Api.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// The configured API keys (Api:ApiKeys, env API_KEYS), kept as SHA-256 hashes. A presented key is hashed and compared
/// with every configured one in constant time, so neither its content nor its length shows in the timing.
/// </summary>
public sealed class ApiKeyRing(IOptions<ApiOptions> api)
{
    private readonly byte[][] _hashes = [.. api.Value.ApiKeyList.Select(Hash)];

    public int Count => _hashes.Length;

    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || _hashes.Length == 0)
        {
            return false;
        }

        var hash = Hash(presented);
        var found = false;
        foreach (var known in _hashes)
        {
            found |= CryptographicOperations.FixedTimeEquals(hash, known); // no early exit: every key is compared
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// Authenticates scripts by the X-Api-Key header: a configured key makes the caller an admin. Without the header the
/// scheme has no opinion; a wrong key fails (and is never logged).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers,
    UrlEncoder encoder, ApiKeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count != 1 || !keys.Matches(values[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {HeaderName} header does not hold a configured API key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "api-key"), new Claim(BroadcastPolicies.RoleClaim, BroadcastPolicies.AdminRole)],
            SchemeName, ClaimTypes.Name, BroadcastPolicies.RoleClaim);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return Task.CompletedTask;
    }
}
