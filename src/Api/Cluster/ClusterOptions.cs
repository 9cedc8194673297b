using Microsoft.Extensions.Options;

namespace Broadcast.Api.Cluster;

/// <summary>Where a new channel goes.</summary>
public enum ChannelPlacement
{
    /// <summary>The live, non-draining appliance that owns the fewest channels (ties: lower CPU).</summary>
    LeastLoaded,

    /// <summary>The appliance whose API created it (another one when it is draining).</summary>
    Local,
}

/// <summary>
/// Several appliances on one PostgreSQL, bound from the "Cluster" section. Used only with ConnectionStrings:Broadcast
/// set; the embedded default is one appliance that owns everything. Every appliance of a database needs the same
/// <see cref="HeartbeatInterval"/> and <see cref="LeaseDuration"/>.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>
    /// This appliance's name among those sharing the database: 1..64 letters, digits, '.', '_' or '-'. Default (empty):
    /// the one kept in <see cref="IdFile"/>, created on first start, so a restarted appliance takes its channels back.
    /// </summary>
    public string? ApplianceId { get; set; }

    /// <summary>Without <see cref="ApplianceId"/>: the file holding the generated id. Default data/appliance-id, relative to the content root.</summary>
    public string IdFile { get; set; } = "data/appliance-id";

    /// <summary>
    /// Base URL clients reach this appliance at (API, HLS, WHIP, WHEP), used in the 307 redirects other appliances send
    /// to it, e.g. https://node2.example.com. Default: the first address Kestrel listens on (an unspecified address
    /// 0.0.0.0 or [::] is replaced by the machine's name).
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>How often the appliance records its heartbeat and load and renews its leases. Default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a lease lasts without renewal: an appliance silent this long is taken for dead and its channels move.
    /// With the defaults a killed appliance's cameras are claimed 6–8 s after it died. Default 6 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>A dead appliance's row leaves the registry after this much silence. Default 5 minutes.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where new channels go: LeastLoaded (default) or Local.</summary>
    public ChannelPlacement Placement { get; set; } = ChannelPlacement.LeastLoaded;

    /// <summary>The same rule as the database's CHECK on appliances.id.</summary>
    public static bool IsValidId(string id) =>
        id.Length is >= 1 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

/// <summary>Checks the cluster settings, reporting every error at once.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ApplianceId) && !ClusterOptions.IsValidId(options.ApplianceId))
        {
            errors.Add($"Cluster:ApplianceId must be 1..64 letters, digits, '.', '_' or '-', not '{options.ApplianceId}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ApplianceId) && string.IsNullOrWhiteSpace(options.IdFile))
        {
            errors.Add("Cluster:IdFile must name a file when Cluster:ApplianceId is not set.");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.PathAndQuery != "/"))
        {
            errors.Add($"Cluster:PublicUrl must be an absolute http(s) URL without a path, such as https://node2.example.com, not '{options.PublicUrl}'.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Cluster:HeartbeatInterval must be 00:00:00.1..00:01:00, not {options.HeartbeatInterval}.");
        }

        if (options.LeaseDuration < 2 * options.HeartbeatInterval || options.LeaseDuration > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Cluster:LeaseDuration must be at least twice Cluster:HeartbeatInterval ({options.HeartbeatInterval}) and at most 00:10:00, not {options.LeaseDuration}.");
        }

        if (options.ForgetAfter < options.LeaseDuration)
        {
            errors.Add($"Cluster:ForgetAfter must be at least Cluster:LeaseDuration ({options.LeaseDuration}), not {options.ForgetAfter}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
