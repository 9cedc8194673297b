using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// Per-client-address rate limits, bound from "Api:RateLimit". The client is the TCP peer: behind a reverse proxy
/// every client shares the proxy's limit, so raise the limits or limit at the proxy.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Api:RateLimit";

    /// <summary>
    /// Requests per second to /api/... (REST and signaling connections) per client address, also the burst. 0 turns the
    /// limit off. Default 200.
    /// </summary>
    public int RequestsPerSecond { get; set; } = 200;

    /// <summary>WHIP offers (POST /whip/{channel}) per minute per client address, also the burst. 0 turns the limit off. Default 30.</summary>
    public int WhipPerMinute { get; set; } = 30;

    /// <summary>
    /// WHEP offers (POST /whep/{channel}) per minute per client address, also the burst. 0 turns the limit off. Default
    /// 120: viewers behind one address (a home, an office) join more often than publishers.
    /// </summary>
    public int WhepPerMinute { get; set; } = 120;
}

/// <summary>Checks every setting and reports all errors at once.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    private const int Max = 1_000_000;

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        if (options.RequestsPerSecond is < 0 or > Max)
        {
            errors.Add($"Api:RateLimit:RequestsPerSecond must be 0 (no limit) to {Max}, not {options.RequestsPerSecond}.");
        }

        if (options.WhipPerMinute is < 0 or > Max)
        {
            errors.Add($"Api:RateLimit:WhipPerMinute must be 0 (no limit) to {Max}, not {options.WhipPerMinute}.");
        }

        if (options.WhepPerMinute is < 0 or > Max)
        {
            errors.Add($"Api:RateLimit:WhepPerMinute must be 0 (no limit) to {Max}, not {options.WhepPerMinute}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
