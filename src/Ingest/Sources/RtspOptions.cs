using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// How RTSP camera sources connect, keep their sessions and reconnect; bound from the "Rtsp" section and checked on
/// start by <see cref="RtspOptionsValidator"/>.
/// </summary>
public sealed class RtspOptions
{
    public const string Section = "Rtsp";

    /// <summary>TCP connect timeout. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request waits for its answer. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>With transport "auto": no RTP over UDP within this time after PLAY switches the channel to TCP. Default 3 s.</summary>
    public TimeSpan UdpFallbackTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>No RTP for this long while playing ends the session and reconnects. Default 10 s.</summary>
    public TimeSpan MediaTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reconnecting; doubles per failure up to <see cref="BackoffMax"/>. Default 1 s.</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Ceiling of the reconnect wait. Default 30 s.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait after the camera refused the credentials; doubles up to <see cref="AuthBackoffMax"/>. Default 30 s.</summary>
    public TimeSpan AuthBackoffInitial { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ceiling of the wait after refused credentials. Default 5 min.</summary>
    public TimeSpan AuthBackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often RTCP receiver reports go to the camera. Default 5 s.</summary>
    public TimeSpan ReceiverReportInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Redirects (301/302/303/307) followed before giving up. Default 5.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Sent as User-Agent. Default "Broadcast".</summary>
    public string UserAgent { get; set; } = "Broadcast";
}

/// <summary>Checks every setting and reports all errors at once.</summary>
public sealed class RtspOptionsValidator : IValidateOptions<RtspOptions>
{
    public ValidateOptionsResult Validate(string? name, RtspOptions options)
    {
        var errors = new List<string>();
        Positive(errors, nameof(RtspOptions.ConnectTimeout), options.ConnectTimeout, TimeSpan.FromMinutes(2));
        Positive(errors, nameof(RtspOptions.RequestTimeout), options.RequestTimeout, TimeSpan.FromMinutes(2));
        Positive(errors, nameof(RtspOptions.UdpFallbackTimeout), options.UdpFallbackTimeout, TimeSpan.FromMinutes(1));
        Positive(errors, nameof(RtspOptions.MediaTimeout), options.MediaTimeout, TimeSpan.FromMinutes(10));
        Positive(errors, nameof(RtspOptions.BackoffInitial), options.BackoffInitial, TimeSpan.FromHours(1));
        Positive(errors, nameof(RtspOptions.AuthBackoffInitial), options.AuthBackoffInitial, TimeSpan.FromHours(1));
        Positive(errors, nameof(RtspOptions.ReceiverReportInterval), options.ReceiverReportInterval, TimeSpan.FromMinutes(1));
        if (options.BackoffMax < options.BackoffInitial || options.BackoffMax > TimeSpan.FromHours(1))
        {
            errors.Add("Rtsp:BackoffMax must be at least Rtsp:BackoffInitial and at most 1 hour.");
        }

        if (options.AuthBackoffMax < options.AuthBackoffInitial || options.AuthBackoffMax > TimeSpan.FromHours(24))
        {
            errors.Add("Rtsp:AuthBackoffMax must be at least Rtsp:AuthBackoffInitial and at most 24 hours.");
        }

        if (options.MaxRedirects is < 0 or > 20)
        {
            errors.Add($"Rtsp:MaxRedirects must be 0..20, not {options.MaxRedirects}.");
        }

        if (string.IsNullOrWhiteSpace(options.UserAgent) || options.UserAgent.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            errors.Add("Rtsp:UserAgent must be one non-empty line.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string name, TimeSpan value, TimeSpan max)
    {
        if (value <= TimeSpan.Zero || value > max)
        {
            errors.Add($"Rtsp:{name} must be positive and at most {max}, not {value}.");
        }
    }
}
