using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Api.WebRtc;

/// <summary>A TURN username and password that expire (coturn's REST API scheme).</summary>
public readonly record struct TurnCredential(string Username, string Password, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// Mints a credential the way a TURN server with a shared secret checks it (draft-uberti-behave-turn-rest-00 §2.2,
    /// coturn's use-auth-secret): username "&lt;expiry as Unix seconds&gt;:&lt;user&gt;", password
    /// base64(HMAC-SHA1(secret, username)).
    /// </summary>
    public static TurnCredential Mint(string secret, string user, DateTimeOffset expiresAt)
    {
        var username = string.Create(CultureInfo.InvariantCulture, $"{expiresAt.ToUnixTimeSeconds()}:{user}");
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return new TurnCredential(username, Convert.ToBase64String(mac), DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()));
    }
}
