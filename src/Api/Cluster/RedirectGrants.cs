using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Api.State;
using Microsoft.AspNetCore.WebUtilities;

namespace Broadcast.Api.Cluster;

/// <summary>What a request proved to the appliance that redirected it.</summary>
public enum RedirectGrant
{
    /// <summary>An admin credential (or the loopback rule).</summary>
    Admin,

    /// <summary>The channel's publish token.</summary>
    Publisher,
}

/// <summary>
/// Browsers (Fetch) and libcurl drop the Authorization header when a redirect leaves the origin, so a WHIP publisher
/// or an admin's REST call sent to the channel's owner by a 307 would arrive there without its credential. The
/// appliance that checked the credential adds a grant to the Location instead: HMAC-SHA-256 (a key derived from the
/// state key every appliance of the database shares) over the method, the path, the rest of the query, what was
/// proved and an expiry 30 s away (appliances' clocks are assumed to agree within seconds). The owner accepts it for
/// that exact request only; it proves nothing the original request had not. It is a bearer credential in a URL for
/// those 30 s: anyone who reads it from a log in time could repeat that one request.
/// </summary>
public sealed class RedirectGrants(StateKey key, TimeProvider time)
{
    /// <summary>The query parameter that carries a grant.</summary>
    public const string QueryName = "broadcast_grant";

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private const int MacBytes = 16;

    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes.ToArray(), 32, info: "broadcast redirect grant"u8.ToArray());

    /// <summary>The grant for <paramref name="request"/>'s method and path at another appliance.</summary>
    public string Issue(HttpRequest request, RedirectGrant grant)
    {
        ArgumentNullException.ThrowIfNull(request);
        var payload = string.Create(CultureInfo.InvariantCulture,
            $"{(time.GetUtcNow() + Lifetime).ToUnixTimeSeconds()}.{(grant == RedirectGrant.Admin ? 'a' : 'p')}");
        return payload + "." + WebEncoders.Base64UrlEncode(Mac(request, payload));
    }

    /// <summary>What a valid, unexpired grant for this method and path proves; null without one.</summary>
    public RedirectGrant? Verify(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query[QueryName] is not { Count: 1 } values || values[0] is not { Length: < 100 } text)
        {
            return null;
        }

        var parts = text.Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || parts[1] is not ("a" or "p") || expiry < time.GetUtcNow().ToUnixTimeSeconds())
        {
            return null;
        }

        byte[] presented;
        try
        {
            presented = WebEncoders.Base64UrlDecode(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(presented, Mac(request, parts[0] + "." + parts[1]))
            ? parts[1] == "a" ? RedirectGrant.Admin : RedirectGrant.Publisher
            : null;
    }

    /// <summary><paramref name="location"/> with the grant added to its query (any grant it had replaced).</summary>
    public static string WithGrant(string location, string grant)
    {
        ArgumentNullException.ThrowIfNull(location);
        var at = location.IndexOf('?', StringComparison.Ordinal);
        var path = at < 0 ? location : location[..at];
        var query = at < 0 ? "" : QueryWithoutGrant(location[at..]);
        return $"{path}?{(query.Length > 0 ? query + "&" : "")}{QueryName}={Uri.EscapeDataString(grant)}";
    }

    // "?a=1&broadcast_grant=x&b=2" → "a=1&b=2": what the grant signs of the query, the same before and after the redirect.
    private static string QueryWithoutGrant(string? query) =>
        string.IsNullOrEmpty(query) ? "" : string.Join('&', query.TrimStart('?').Split('&')
            .Where(p => p.Length > 0 && !p.StartsWith(QueryName + "=", StringComparison.Ordinal)));

    private byte[] Mac(HttpRequest request, string payload)
    {
        var message = Encoding.UTF8.GetBytes($"{request.Method}\n{request.PathBase + request.Path}\n{QueryWithoutGrant(request.QueryString.Value)}\n{payload}");
        return HMACSHA256.HashData(_key, message)[..MacBytes];
    }
}
