using Broadcast.Ingest.Protocols.Rtsp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Sources;

/// <summary>How a camera's media travels: interleaved in the RTSP TCP connection, over UDP, or UDP with a fall back to TCP.</summary>
public enum RtspTransportMode
{
    Tcp,
    Udp,
    Auto,
}

/// <summary>
/// One camera: where it is, how to carry its media and the credentials it wants (from the URL or given separately;
/// separate ones win). The password is kept only here; <see cref="ToString"/> and <see cref="RedactedUrl"/> never show it.
/// </summary>
public sealed class RtspSourceSettings
{
    private RtspSourceSettings(RtspUrl url, RtspTransportMode transport, string? username, string? password)
    {
        Url = url;
        Transport = transport;
        Username = username;
        Password = password;
    }

    /// <summary>The camera URL without credentials.</summary>
    public RtspUrl Url { get; }

    public RtspTransportMode Transport { get; }

    public string? Username { get; }

    public string? Password { get; }

    public bool HasCredentials => Username is not null;

    /// <summary>The URL as it may be logged and shown: no credentials.</summary>
    public string RedactedUrl => Url.ToString();

    /// <summary>Validates a request's fields, naming the bad one (<c>rtsp.url</c>, <c>rtsp.transport</c>…) when one is wrong.</summary>
    /// <exception cref="InvalidFieldException">A field is missing or malformed.</exception>
    public static RtspSourceSettings Create(string? url, string? transport, string? username, string? password, string fieldPrefix = "rtsp")
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new InvalidFieldException($"{fieldPrefix}.url", $"{fieldPrefix}.url is required.");
        }

        if (!RtspUrl.TryParse(url, out var parsed))
        {
            // The URL may carry a password: name the field, never echo the value.
            throw new InvalidFieldException($"{fieldPrefix}.url", $"{fieldPrefix}.url must be an rtsp://host[:port]/path URL.");
        }

        var mode = transport?.Trim().ToLowerInvariant() switch
        {
            null or "" or "tcp" => RtspTransportMode.Tcp,
            "udp" => RtspTransportMode.Udp,
            "auto" => RtspTransportMode.Auto,
            _ => throw new InvalidFieldException($"{fieldPrefix}.transport", $"{fieldPrefix}.transport must be \"tcp\", \"udp\" or \"auto\"."),
        };

        CheckCredential(username, $"{fieldPrefix}.username");
        CheckCredential(password, $"{fieldPrefix}.password");
        if (password is not null && username is null && parsed.Username is null)
        {
            throw new InvalidFieldException($"{fieldPrefix}.username", $"{fieldPrefix}.username is required with a password.");
        }

        var user = username ?? parsed.Username;
        var secret = password ?? (username is null ? parsed.Password : null);
        if (user is not null)
        {
            secret ??= "";
        }

        return new RtspSourceSettings(parsed, mode, user, secret);
    }

    public static string Name(RtspTransportMode mode) => mode switch
    {
        RtspTransportMode.Udp => "udp",
        RtspTransportMode.Auto => "auto",
        _ => "tcp",
    };

    public override string ToString() => $"{RedactedUrl} ({Name(Transport)}{(HasCredentials ? ", with credentials" : "")})";

    private static void CheckCredential(string? value, string field)
    {
        if (value is not null && (value.Length > 256 || value.Any(char.IsControl)))
        {
            throw new InvalidFieldException(field, $"{field} must be at most 256 characters without control characters.");
        }
    }
}
