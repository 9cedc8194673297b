using Microsoft.Extensions.Options;

namespace Broadcast.Api.Options;

/// <summary>
/// The STUN and TURN servers that browsers publishing or watching through this appliance are told about
/// (GET /api/v1/webrtc-config, and Link headers of WHIP/WHEP answers), bound from the "IceServers" section and from the
/// seed's names STUN_URLS, TURN_URLS and TURN_SECRET. TURN credentials are minted per request in coturn's REST-API scheme
/// (use-auth-secret), so the secret itself never leaves the appliance.
/// </summary>
public sealed class IceServersOptions
{
    public const string Section = "IceServers";

    /// <summary>STUN server URLs, comma separated (stun:stun.example.com:3478). Default none. Env STUN_URLS.</summary>
    public string StunUrls { get; set; } = "";

    /// <summary>TURN server URLs, comma separated (turn:turn.example.com:3478?transport=udp, turns:...). Default none. Env TURN_URLS.</summary>
    public string TurnUrls { get; set; } = "";

    /// <summary>The TURN server's static-auth-secret (coturn's use-auth-secret); required with <see cref="TurnUrls"/>. Env TURN_SECRET.</summary>
    public string? TurnSecret { get; set; }

    /// <summary>How long minted TURN credentials stay valid. Default 24 hours.</summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The user part of minted usernames (&lt;expiry&gt;:&lt;user&gt;), shown in the TURN server's logs. Default "broadcast".</summary>
    public string TurnUser { get; set; } = "broadcast";

    public IReadOnlyList<string> StunUrlList => Split(StunUrls);

    public IReadOnlyList<string> TurnUrlList => Split(TurnUrls);

    private static string[] Split(string urls) => urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks every setting and reports all errors at once; secrets are described, never shown.</summary>
public sealed class IceServersOptionsValidator : IValidateOptions<IceServersOptions>
{
    public ValidateOptionsResult Validate(string? name, IceServersOptions options)
    {
        var errors = new List<string>();
        foreach (var url in options.StunUrlList)
        {
            if (!HasScheme(url, "stun:", "stuns:"))
            {
                errors.Add($"IceServers:StunUrls (STUN_URLS) entry '{url}' must start with stun: or stuns:.");
            }
        }

        foreach (var url in options.TurnUrlList)
        {
            if (!HasScheme(url, "turn:", "turns:"))
            {
                errors.Add($"IceServers:TurnUrls (TURN_URLS) entry '{url}' must start with turn: or turns:.");
            }
        }

        if (options.TurnUrlList.Count > 0 && string.IsNullOrEmpty(options.TurnSecret))
        {
            errors.Add("IceServers:TurnSecret (TURN_SECRET) is required with TURN URLs: credentials are minted from it.");
        }

        if (options.CredentialLifetime <= TimeSpan.Zero || options.CredentialLifetime > TimeSpan.FromDays(30))
        {
            errors.Add($"IceServers:CredentialLifetime must be more than zero and at most 30 days, not {options.CredentialLifetime}.");
        }

        if (string.IsNullOrWhiteSpace(options.TurnUser) || options.TurnUser.Contains(':', StringComparison.Ordinal))
        {
            errors.Add("IceServers:TurnUser must be a non-empty name without ':' (the username is <expiry>:<user>).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // A URL the browser would refuse breaks every RTCPeerConnection made with the configuration: refuse it at start.
    private static bool HasScheme(string url, string plain, string secure) =>
        (url.StartsWith(plain, StringComparison.OrdinalIgnoreCase) || url.StartsWith(secure, StringComparison.OrdinalIgnoreCase))
        && url.Length > secure.Length && !url.Any(char.IsWhiteSpace);
}
