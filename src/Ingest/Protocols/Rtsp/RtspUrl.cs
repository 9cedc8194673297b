namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// An <c>rtsp://[user[:password]@]host[:port]/path</c> URL split into the address to request and the credentials it
/// carried (percent-decoded). <see cref="Redacted"/> is the form to log or show: credentials never appear in it.
/// </summary>
public sealed record RtspUrl
{
    public const int DefaultPort = 554;

    private RtspUrl(Uri withoutCredentials, string? username, string? password)
    {
        Uri = withoutCredentials;
        Username = username;
        Password = password;
    }

    /// <summary>The URL without user information, as sent in requests.</summary>
    public Uri Uri { get; }

    public string Host => Uri.IdnHost;

    public int Port => Uri.IsDefaultPort || Uri.Port <= 0 ? DefaultPort : Uri.Port;

    public string? Username { get; }

    public string? Password { get; }

    /// <summary>The URL as requests name it (no user information).</summary>
    public override string ToString() => Uri.OriginalString;

    /// <summary>The URL with credentials replaced by <c>***</c>, safe for logs and API answers.</summary>
    public string Redacted => Username is null ? Uri.OriginalString : Redact(Uri.OriginalString, hadCredentials: true);

    /// <summary>Parses an rtsp:// URL (rtsps:// is refused: no TLS support). False for anything else.</summary>
    public static bool TryParse(string? text, out RtspUrl url)
    {
        url = null!;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2048
            || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || !uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }

        string? username = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        var builder = new UriBuilder(uri) { UserName = "", Password = "" };
        // UriBuilder writes the default port (-1) as nothing and keeps an explicit one.
        var clean = new Uri(builder.Uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped));
        url = new RtspUrl(clean, username, password);
        return true;
    }

    /// <summary>
    /// Removes user information from any URL-looking text (e.g. a Location header or an exception message) for logging.
    /// </summary>
    public static string Redact(string text, bool hadCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return text;
        }

        var authorityStart = scheme + 3;
        var authorityEnd = text.IndexOfAny(['/', '?', '#', ' '], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = text.Length;
        }

        var at = text.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        if (at < 0)
        {
            return hadCredentials ? text.Insert(authorityStart, "***@") : text;
        }

        return string.Concat(text.AsSpan(0, authorityStart), "***", text.AsSpan(at));
    }

    /// <summary>
    /// The URL a track's SETUP goes to (RFC 2326 C.1.1): an absolute control as is, <c>*</c> the base itself, else
    /// an absolute path on the base's host, else the control appended to the base with one slash, as cameras and
    /// common clients expect (<c>rtsp://cam/live</c> + <c>trackID=1</c> → <c>rtsp://cam/live/trackID=1</c>, even
    /// without the trailing slash RFC 3986 resolution would need).
    /// </summary>
    public static string ResolveControl(string baseUrl, string? control)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (string.IsNullOrWhiteSpace(control) || control == "*")
        {
            return baseUrl;
        }

        if (control.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || control.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            return control;
        }

        if (control[0] == '/' && Uri.TryCreate(baseUrl, UriKind.Absolute, out var baseUri))
        {
            return baseUri.GetLeftPart(UriPartial.Authority) + control;
        }

        return baseUrl.TrimEnd('/') + "/" + control;
    }
}
