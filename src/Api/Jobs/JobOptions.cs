using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>Where segment retention runs when several appliances share one database.</summary>
public enum RetentionScope
{
    /// <summary>The appliances share the HLS folder (e.g. NFS): one run at a time, on whichever appliance picks it up.</summary>
    Shared,

    /// <summary>Each appliance has its own HLS folder: each sweeps its own, on its own queue.</summary>
    PerHost,
}

/// <summary>The recurring jobs (section "Jobs"): cleanup of idle runtime parts and segment retention.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>
    /// Names this appliance among those sharing a database. Default (null or empty): the machine name and a random
    /// suffix per start.
    /// </summary>
    public string? HostName { get; set; }

    /// <summary>Cron expression (UTC) of the cleanup job. Default every minute.</summary>
    public string CleanupCron { get; set; } = "* * * * *";

    /// <summary>Cron expression (UTC) of the segment-retention job. Default every minute.</summary>
    public string RetentionCron { get; set; } = "* * * * *";

    /// <summary>A router with no producer for this long is closed (a channel's own idleTimeoutSeconds wins). Default 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A WebRTC or plain-RTP transport that has not connected this long after its creation is closed: a WebRTC transport
    /// closes itself then, and the cleanup job closes the rest on its next run. Default 30 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An HLS folder of a channel that is neither defined nor live is removed once nothing in it has been written for
    /// this long (so a folder another appliance still writes to is never touched). Default 10 minutes.
    /// </summary>
    public TimeSpan DeletedChannelGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Segments older than this are deleted unless the channel says otherwise; null keeps them. Default 1 hour.</summary>
    public TimeSpan? RetentionMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Bytes each channel's folder may hold unless the channel says otherwise; null for no quota. Default none.</summary>
    public long? ChannelQuotaBytes { get; set; }

    /// <summary>Bytes all channels together may hold (oldest deleted first, across channels); null for no quota. Default none.</summary>
    public long? GlobalQuotaBytes { get; set; }

    /// <summary>Shared (default) or PerHost; see <see cref="Jobs.RetentionScope"/>.</summary>
    public RetentionScope RetentionScope { get; set; } = RetentionScope.Shared;

    /// <summary>Hangfire workers on this appliance. Default 2 (the jobs are short and file-bound).</summary>
    public int WorkerCount { get; set; } = 2;

    /// <summary>How often Hangfire looks for queued and scheduled jobs. Default 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks every setting and reports all errors at once.</summary>
public sealed class JobOptionsValidator : IValidateOptions<JobOptions>
{
    public ValidateOptionsResult Validate(string? name, JobOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, cron) in new[] { ("CleanupCron", options.CleanupCron), ("RetentionCron", options.RetentionCron) })
        {
            if (!IsCron(cron))
            {
                errors.Add($"Jobs:{key} must be a cron expression such as '* * * * *', not '{cron}'.");
            }
        }

        Positive(errors, "IdleTimeout", options.IdleTimeout);
        Positive(errors, "ConnectTimeout", options.ConnectTimeout);
        Positive(errors, "DeletedChannelGrace", options.DeletedChannelGrace);
        Positive(errors, "PollInterval", options.PollInterval);
        if (options.RetentionMaxAge is { } age)
        {
            Positive(errors, "RetentionMaxAge", age);
        }

        if (options.ChannelQuotaBytes is <= 0)
        {
            errors.Add("Jobs:ChannelQuotaBytes must be positive when set.");
        }

        if (options.GlobalQuotaBytes is <= 0)
        {
            errors.Add("Jobs:GlobalQuotaBytes must be positive when set.");
        }

        if (options.WorkerCount is < 1 or > 64)
        {
            errors.Add("Jobs:WorkerCount must be 1..64.");
        }

        if (options.HostName is { } host && !string.IsNullOrWhiteSpace(host) && (host.Length > 60 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add($"Jobs:HostName must be 1..60 letters, digits, '-', '_' or '.', not '{host}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Jobs:{key} must be positive, not {value}.");
        }
    }

    // Hangfire takes 5 fields (minute precision) or 6 (seconds first) and parses them when a job is registered;
    // this catches the common mistakes (a duration, an empty value) with the setting's name.
    private static bool IsCron(string? cron)
    {
        var fields = cron?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return fields.Length is 5 or 6
            && fields.All(f => f.All(c => char.IsAsciiLetterOrDigit(c) || c is '*' or '/' or ',' or '-' or '?' or '#'));
    }
}
