using Microsoft.Extensions.Options;

namespace Broadcast.Api.Metrics;

/// <summary>Prometheus metrics (GET /metrics), bound from the "Metrics" section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve /metrics at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// 0 (the default): /metrics on the appliance's own listener, for admins only (a JWT or API key, or loopback in the
    /// embedded default). A port: /metrics on a listener of its own at <see cref="Hostname"/>, without authentication,
    /// for a Prometheus on a private network; the appliance's listener then has no /metrics.
    /// </summary>
    public int Port { get; set; }

    /// <summary>Address the metrics listener binds with <see cref="Port"/>: "+" for every address, or an IP or host name. Default "+".</summary>
    public string Hostname { get; set; } = "+";
}

public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"Metrics:Port must be 0 (the appliance's listener, admins only) or a TCP port 1..65535, not {options.Port}.");
        }

        if (string.IsNullOrWhiteSpace(options.Hostname))
        {
            errors.Add("Metrics:Hostname must be \"+\", an IP address or a host name.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
