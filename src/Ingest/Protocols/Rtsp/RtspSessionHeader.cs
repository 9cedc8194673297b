using System.Globalization;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// The Session header (RFC 2326 §12.37): <c>Session: 12345678;timeout=60</c>. The timeout is in seconds and
/// defaults to 60 when absent.
/// </summary>
public readonly record struct RtspSessionHeader(string Id, int TimeoutSeconds)
{
    public const int DefaultTimeoutSeconds = 60;

    /// <summary>Parses the value; false for an empty id. A malformed or zero timeout reads as the default.</summary>
    public static bool TryParse(string? value, out RtspSessionHeader session)
    {
        session = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        var id = parts[0];
        if (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return false;
        }

        var timeout = DefaultTimeoutSeconds;
        foreach (var parameter in parts.AsSpan(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && parameter[..equals].Trim().Equals("timeout", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(parameter[(equals + 1)..].Trim().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && seconds > 0)
            {
                timeout = seconds;
            }
        }

        session = new RtspSessionHeader(id, timeout);
        return true;
    }
}
