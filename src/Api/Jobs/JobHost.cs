using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>
/// This appliance among those sharing a database: its name, and the Hangfire queue only it listens to (for the jobs
/// that act on its own routers, processes and folders).
/// </summary>
public sealed class JobHost(IOptions<JobOptions> options)
{
    /// <summary>Keeps cleanup runs on this appliance one at a time.</summary>
    public SemaphoreSlim CleanupLock { get; } = new(1, 1);

    /// <summary>Queue every appliance listens to.</summary>
    public const string SharedQueue = "default";

    private const string HostQueuePrefix = "host_";

    public string Name { get; } = string.IsNullOrWhiteSpace(options.Value.HostName)
        ? $"{Environment.MachineName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}"
        : options.Value.HostName;

    /// <summary>Hangfire queue names are lower-case letters, digits and underscores.</summary>
    public string Queue => QueueOf(Name);

    public static string QueueOf(string hostName) =>
        HostQueuePrefix + new string([.. hostName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    /// <summary>The id of a per-host recurring job.</summary>
    public string RecurringJobId(string job) => $"{job}@{Name}";

    /// <summary>The host a per-host recurring job id names, or null for a shared job.</summary>
    public static string? HostOf(string recurringJobId) =>
        recurringJobId.IndexOf('@', StringComparison.Ordinal) is var at and >= 0 ? recurringJobId[(at + 1)..] : null;
}
