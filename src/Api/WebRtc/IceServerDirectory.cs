using Broadcast.Api.Options;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.WebRtc;

/// <summary>One entry of RTCConfiguration.iceServers (W3C WebRTC §4.2.1).</summary>
/// <param name="Urls">stun:, stuns:, turn: or turns: URLs.</param>
/// <param name="Username">TURN only: &lt;expiry&gt;:&lt;user&gt;.</param>
/// <param name="Credential">TURN only: base64(HMAC-SHA1(secret, username)).</param>
/// <param name="CredentialType">TURN only: "password".</param>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null, string? CredentialType = null);

/// <summary>
/// The STUN and TURN servers handed to browsers and WHIP/WHEP clients, with TURN credentials minted per call from
/// <see cref="IceServersOptions.TurnSecret"/> so that they expire on their own.
/// </summary>
public sealed class IceServerDirectory(IOptions<IceServersOptions> options, TimeProvider time)
{
    private readonly IceServersOptions _options = options.Value;

    /// <summary>
    /// STUN servers first (one entry), then TURN servers with fresh credentials (one entry), and when those expire (null
    /// without TURN); no servers when none is configured.
    /// </summary>
    public (IReadOnlyList<IceServer> Servers, DateTimeOffset? ExpiresAt) Current()
    {
        var servers = new List<IceServer>(2);
        if (_options.StunUrlList.Count > 0)
        {
            servers.Add(new IceServer(_options.StunUrlList));
        }

        if (_options.TurnUrlList.Count == 0 || string.IsNullOrEmpty(_options.TurnSecret))
        {
            return (servers, null);
        }

        var credential = TurnCredential.Mint(_options.TurnSecret, _options.TurnUser, time.GetUtcNow() + _options.CredentialLifetime);
        servers.Add(new IceServer(_options.TurnUrlList, credential.Username, credential.Password, "password"));
        return (servers, credential.ExpiresAt);
    }

    /// <summary>The same servers as WHIP/WHEP Link headers (RFC 9725 §4.6), one per URL.</summary>
    public IEnumerable<string> LinkHeaders()
    {
        foreach (var server in Current().Servers)
        {
            foreach (var url in server.Urls)
            {
                yield return server.Username is null
                    ? $"<{url}>; rel=\"ice-server\""
                    : $"<{url}>; rel=\"ice-server\"; username=\"{server.Username}\"; credential=\"{server.Credential}\"; credential-type=\"password\"";
            }
        }
    }
}
