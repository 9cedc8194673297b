using System.Security.Cryptography;
using Broadcast.Ingest.Protocols.Rtsp;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// A session's credentials and the challenge they answer: adds Authorization to each request once the camera asked
/// (Digest preferred over Basic, a fresh nonce count per request), and decides what a 401 means: retry with new
/// credentials, retry with the renewed nonce (stale=true), or give up.
/// </summary>
internal sealed class RtspAuthenticator(string? username, string? password)
{
    private RtspAuthenticationChallenge? _challenge;
    private int _nonceCount;
    private readonly string _clientNonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>The scheme in use ("Digest", "Basic"), or null before the camera asked.</summary>
    public string? Scheme => _challenge?.Scheme;

    /// <summary>Adds the Authorization header for <paramref name="request"/> when a challenge is known.</summary>
    public void Authorize(RtspRequest request)
    {
        if (_challenge is null || username is null)
        {
            return;
        }

        if (_challenge.IsBasic)
        {
            request.Headers.Set("Authorization", RtspAuthorization.Basic(username, password ?? ""));
        }
        else if (RtspAuthorization.TryDigest(_challenge, username, password ?? "", request.Method, request.Uri, _clientNonce,
            ++_nonceCount, out var digest))
        {
            request.Headers.Set("Authorization", digest);
        }
    }

    /// <summary>
    /// A 401 arrived for a request sent with <paramref name="hadAuthorization"/>; true when the request should be sent
    /// again, false when the credentials are refused (or missing) for good.
    /// </summary>
    public bool OnUnauthorized(RtspResponse response, bool hadAuthorization, out string reason)
    {
        var challenges = RtspAuthenticationChallenge.ParseAll(response.Headers.GetAll("WWW-Authenticate"));
        var usable = challenges.FirstOrDefault(c => c.IsDigest && RtspAuthorization.CanAnswer(c))
            ?? challenges.FirstOrDefault(c => c.IsBasic);
        if (username is null)
        {
            reason = "The camera asks for credentials and none are configured.";
            return false;
        }

        if (usable is null)
        {
            reason = challenges.Count == 0
                ? "The camera answered 401 without a challenge."
                : $"The camera wants authentication this client does not support ({string.Join(", ", challenges.Select(c => c.Scheme))}).";
            return false;
        }

        var stale = usable.IsDigest && usable.Stale;
        var sameChallenge = _challenge is not null && _challenge.Scheme.Equals(usable.Scheme, StringComparison.OrdinalIgnoreCase)
            && _challenge.Nonce == usable.Nonce;
        if (hadAuthorization && !stale && (sameChallenge || usable.IsBasic))
        {
            reason = "The camera refused the credentials.";
            return false;
        }

        if (_challenge?.Nonce != usable.Nonce)
        {
            _nonceCount = 0;
        }

        _challenge = usable;
        reason = stale ? "The nonce expired." : "";
        return true;
    }
}
