using Microsoft.Extensions.Options;

namespace Broadcast.Api.Options;

/// <summary>
/// The host's own settings, bound from the "Api" section and from the seed's environment names
/// (MEDIASOUP_LOG_LEVEL, CORS_ORIGIN, JWT_SECRET, API_KEYS, HLS_SIGNING_KEY).
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Minimum log level: debug, info, warn or error. Default info. Env MEDIASOUP_LOG_LEVEL.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>Origins allowed to call the REST API from a browser, comma separated, or "*". Default none (same origin only). Env CORS_ORIGIN.</summary>
    public string CorsOrigins { get; set; } = "";

    /// <summary>
    /// HS256 key of admin JWTs (bearer tokens with the claim role = admin), at least 32 bytes. Default none. Env JWT_SECRET.
    /// With neither a secret nor <see cref="ApiKeys"/>, admin routes answer loopback clients only.
    /// </summary>
    public string? JwtSecret { get; set; }

    /// <summary>Admin API keys for scripts (header X-Api-Key), comma separated, each at least 16 characters. Default none. Env API_KEYS.</summary>
    public string ApiKeys { get; set; } = "";

    /// <summary>
    /// Key of signed HLS URLs, at least 32 bytes. Default none: derived from <see cref="JwtSecret"/> when there is one,
    /// random per process otherwise (set one when several appliances serve the same channels). Env HLS_SIGNING_KEY.
    /// </summary>
    public string? HlsSigningKey { get; set; }

    /// <summary>
    /// How often every live channel's ingest and egress are read into its recent activity (live stats, the console's
    /// graphs): one visit per worker loop each time. Default 5 seconds; 1 second to 1 hour.
    /// </summary>
    public TimeSpan ActivityInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reverse proxies or load balancers whose X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host are believed:
    /// IP addresses, comma separated. Default none: forwarded headers are ignored (and a request carrying them is never
    /// a loopback admin). With a proxy named, rate limits, the loopback rule, HLS viewer counts and the URLs the API
    /// returns see the real client and the public address.
    /// </summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>The same as networks in CIDR notation (10.0.0.0/8, fd00::/8), comma separated. Default none.</summary>
    public string KnownNetworks { get; set; } = "";

    /// <summary>How many proxies in a row may forward a request (entries of X-Forwarded-For read from the right). Default 1.</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>When set, an admin JWT must carry this issuer (iss). Default none: not checked.</summary>
    public string? JwtIssuer { get; set; }

    /// <summary>When set, an admin JWT must name this audience (aud). Default none: not checked.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>The addresses of <see cref="KnownProxies"/>; throws on one that is not an address (the validator reports it first).</summary>
    public IReadOnlyList<System.Net.IPAddress> KnownProxyList =>
        [.. KnownProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(System.Net.IPAddress.Parse)];

    /// <summary>The networks of <see cref="KnownNetworks"/>; throws on one that is not CIDR (the validator reports it first).</summary>
    public IReadOnlyList<System.Net.IPNetwork> KnownNetworkList =>
        [.. KnownNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => System.Net.IPNetwork.Parse(n))];

    /// <summary>True when some proxy is trusted, so forwarded headers are read.</summary>
    public bool TrustsProxies => KnownProxies.Trim().Length > 0 || KnownNetworks.Trim().Length > 0;

    /// <summary>The keys of <see cref="ApiKeys"/>, trimmed, without empty entries.</summary>
    public IReadOnlyList<string> ApiKeyList =>
        ApiKeys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when admin credentials are configured: a JWT secret or at least one API key.</summary>
    public bool HasAdminCredentials => !string.IsNullOrEmpty(JwtSecret) || ApiKeyList.Count > 0;

    /// <summary>The origins of <see cref="CorsOrigins"/>, trimmed, without empty entries.</summary>
    public IReadOnlyList<string> CorsOriginList =>
        CorsOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The .NET level named by <paramref name="name"/> (debug|info|warn|error, any case), or null.</summary>
    public static Microsoft.Extensions.Logging.LogLevel? ParseLogLevel(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "info" => Microsoft.Extensions.Logging.LogLevel.Information,
        "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        _ => null,
    };
}

/// <summary>Checks every setting and reports all errors at once.</summary>
public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var errors = new List<string>();
        if (ApiOptions.ParseLogLevel(options.LogLevel) is null)
        {
            errors.Add($"Api:LogLevel (MEDIASOUP_LOG_LEVEL) must be debug, info, warn or error, not '{options.LogLevel}'.");
        }

        foreach (var origin in options.CorsOriginList)
        {
            if (origin != "*" && !IsOrigin(origin))
            {
                errors.Add($"Api:CorsOrigins (CORS_ORIGIN) entry '{origin}' is not an origin such as https://example.com or *.");
            }
        }

        foreach (var proxy in options.KnownProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                errors.Add($"Api:KnownProxies entry '{proxy}' is not an IP address.");
            }
        }

        foreach (var network in options.KnownNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                errors.Add($"Api:KnownNetworks entry '{network}' is not a network in CIDR notation (10.0.0.0/8).");
            }
        }

        if (options.ForwardLimit is < 1 or > 10)
        {
            errors.Add($"Api:ForwardLimit must be 1..10, not {options.ForwardLimit}.");
        }

        if (options.ActivityInterval < TimeSpan.FromSeconds(1) || options.ActivityInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Api:ActivityInterval must be 1 second to 1 hour, not {options.ActivityInterval}.");
        }

        // Secrets are described by their length only: a validation message must not reveal them.
        if (!string.IsNullOrEmpty(options.JwtSecret) && System.Text.Encoding.UTF8.GetByteCount(options.JwtSecret) < MinSecretBytes)
        {
            errors.Add($"Api:JwtSecret (JWT_SECRET) must be at least {MinSecretBytes} bytes: HS256 needs a 256-bit key.");
        }

        var keys = options.ApiKeyList;
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Length < MinApiKeyLength)
            {
                errors.Add($"Api:ApiKeys (API_KEYS) key #{i + 1} is shorter than {MinApiKeyLength} characters.");
            }
        }

        if (!string.IsNullOrEmpty(options.HlsSigningKey) && System.Text.Encoding.UTF8.GetByteCount(options.HlsSigningKey) < MinSecretBytes)
        {
            errors.Add($"Api:HlsSigningKey (HLS_SIGNING_KEY) must be at least {MinSecretBytes} bytes.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private const int MinSecretBytes = 32;
    private const int MinApiKeyLength = 16;

    // An origin is scheme://host[:port] with nothing after it (RFC 6454).
    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/"
        && !value.EndsWith('/')
        && string.IsNullOrEmpty(uri.Query)
        && string.IsNullOrEmpty(uri.Fragment)
        && string.IsNullOrEmpty(uri.UserInfo);
}
