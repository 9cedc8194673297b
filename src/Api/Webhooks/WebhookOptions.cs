using Broadcast.Ingest.Events;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Webhooks;

/// <summary>Webhooks: HTTP POSTs of channel events to configured URLs, bound from the "Webhooks" section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The receivers, e.g. Webhooks__Endpoints__0__Url, Webhooks__Endpoints__0__Secret. Default none.</summary>
    public List<WebhookEndpointOptions> Endpoints { get; set; } = [];

    /// <summary>How long one attempt waits for the receiver's answer. Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One webhook receiver.</summary>
public sealed class WebhookEndpointOptions
{
    /// <summary>A name for it in the delivery history; default "endpoint-N" (its index).</summary>
    public string? Name { get; set; }

    /// <summary>An absolute http:// or https:// URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>The HMAC-SHA256 key the receiver checks signatures with, at least 16 characters.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Event types sent to it, comma separated (channel.created, publisher.gone...), or "*" for all (the default).</summary>
    public string Events { get; set; } = "*";

    public bool Wants(string eventType) =>
        Events.Trim() == "*" || Events.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(eventType, StringComparer.Ordinal);
}

public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            var key = $"Webhooks:Endpoints:{i}";
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{key}:Url must be an absolute http:// or https:// URL, not '{endpoint.Url}'.");
            }

            // Described by its length only: a validation message must not reveal a secret.
            if ((endpoint.Secret ?? "").Length < MinSecretLength)
            {
                errors.Add($"{key}:Secret must be at least {MinSecretLength} characters: receivers check signatures with it.");
            }

            foreach (var type in endpoint.Events.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (type != "*" && !ChannelEventTypes.All.Contains(type, StringComparer.Ordinal))
                {
                    errors.Add($"{key}:Events names '{type}', which is none of {string.Join(", ", ChannelEventTypes.All)} (or *).");
                }
            }

            if (!names.Add(NameOf(options, i)))
            {
                errors.Add($"{key}:Name '{NameOf(options, i)}' is used by another endpoint.");
            }
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(2))
        {
            errors.Add($"Webhooks:Timeout must be more than zero and at most 2 minutes, not {options.Timeout}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The endpoint's name: its own, or endpoint-N.</summary>
    public static string NameOf(WebhookOptions options, int index) =>
        string.IsNullOrWhiteSpace(options.Endpoints[index].Name) ? $"endpoint-{index}" : options.Endpoints[index].Name!.Trim();
}
