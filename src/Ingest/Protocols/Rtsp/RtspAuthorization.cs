using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// Authorization header values for a challenge: Basic (RFC 7617) and Digest (RFC 2617 with RFC 7616's SHA-256):
/// <code>
/// HA1      = H(username ":" realm ":" password)            -sess: H(HA1 ":" nonce ":" cnonce)
/// HA2      = H(method ":" uri)                             auth-int: H(method ":" uri ":" H(body))
/// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)    without qop: H(HA1 ":" nonce ":" HA2)
/// </code>
/// Pure: the client nonce and nonce count are arguments.
/// </summary>
public static class RtspAuthorization
{
    public static string Basic(string username, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));

    /// <summary>True when this code can answer <paramref name="challenge"/> (Basic, or Digest with a nonce and a known algorithm).</summary>
    public static bool CanAnswer(RtspAuthenticationChallenge challenge) =>
        challenge.IsBasic || (challenge.IsDigest && !string.IsNullOrEmpty(challenge.Nonce) && HashOf(challenge.Algorithm) is not null);

    /// <summary>The Authorization value answering a digest challenge for one request; false when the challenge cannot be answered.</summary>
    public static bool TryDigest(RtspAuthenticationChallenge challenge, string username, string password, string method, string uri,
        string clientNonce, int nonceCount, out string authorization)
    {
        authorization = "";
        if (!challenge.IsDigest || challenge.Nonce is not { Length: > 0 } nonce || HashOf(challenge.Algorithm) is not { } hash)
        {
            return false;
        }

        var offered = challenge.Qop;
        var qop = offered.Contains("auth", StringComparer.OrdinalIgnoreCase) ? "auth"
            : offered.Contains("auth-int", StringComparer.OrdinalIgnoreCase) ? "auth-int"
            : null;
        if (offered.Count > 0 && qop is null)
        {
            return false; // only qop options we do not know
        }

        var nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        var ha1 = hash($"{username}:{challenge.Realm}:{password}");
        if (challenge.Algorithm.EndsWith("-sess", StringComparison.OrdinalIgnoreCase))
        {
            ha1 = hash($"{ha1}:{nonce}:{clientNonce}");
        }

        var ha2 = qop == "auth-int" ? hash($"{method}:{uri}:{hash("")}") : hash($"{method}:{uri}");
        var response = qop is null ? hash($"{ha1}:{nonce}:{ha2}") : hash($"{ha1}:{nonce}:{nc}:{clientNonce}:{qop}:{ha2}");

        var text = new StringBuilder("Digest ");
        text.Append(CultureInfo.InvariantCulture, $"username=\"{Escape(username)}\", realm=\"{Escape(challenge.Realm)}\", ");
        text.Append(CultureInfo.InvariantCulture, $"nonce=\"{Escape(nonce)}\", uri=\"{Escape(uri)}\", response=\"{response}\"");
        if (challenge.Parameters.ContainsKey("algorithm"))
        {
            text.Append(CultureInfo.InvariantCulture, $", algorithm={challenge.Algorithm}");
        }

        if (challenge.Opaque is { } opaque)
        {
            text.Append(CultureInfo.InvariantCulture, $", opaque=\"{Escape(opaque)}\"");
        }

        if (qop is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", qop={qop}, nc={nc}, cnonce=\"{Escape(clientNonce)}\"");
        }

        authorization = text.ToString();
        return true;
    }

    private static Func<string, string>? HashOf(string algorithm) => algorithm.ToUpperInvariant() switch
    {
        "MD5" or "MD5-SESS" => Md5,
        "SHA-256" or "SHA-256-SESS" => Sha256,
        _ => null,
    };

#pragma warning disable CA5351 // Digest authentication is defined over MD5 (RFC 2617); cameras offer nothing else.
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
