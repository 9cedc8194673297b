using System.Text;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// One challenge of a WWW-Authenticate header (RFC 2617 §1.2 and §3.2.1, RFC 7616):
/// <c>Digest realm="cam", nonce="5ff0", qop="auth", stale=TRUE, algorithm=MD5, opaque="x"</c> or <c>Basic realm="cam"</c>.
/// </summary>
public sealed class RtspAuthenticationChallenge
{
    private RtspAuthenticationChallenge(string scheme, IReadOnlyDictionary<string, string> parameters)
    {
        Scheme = scheme;
        Parameters = parameters;
    }

    /// <summary>The scheme as sent, e.g. <c>Digest</c> or <c>Basic</c>.</summary>
    public string Scheme { get; }

    /// <summary>Every auth-param, names lower-cased, quotes and escapes removed.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);
    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);
    public string Realm => Parameters.GetValueOrDefault("realm", "");
    public string? Nonce => Parameters.GetValueOrDefault("nonce");
    public string? Opaque => Parameters.GetValueOrDefault("opaque");

    /// <summary>MD5 when absent (RFC 2617).</summary>
    public string Algorithm => Parameters.GetValueOrDefault("algorithm") is { Length: > 0 } algorithm ? algorithm : "MD5";

    /// <summary>The qop options offered, e.g. ["auth", "auth-int"]; empty for RFC 2069 digest.</summary>
    public IReadOnlyList<string> Qop => Parameters.TryGetValue("qop", out var qop)
        ? qop.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        : [];

    /// <summary>The previous request's nonce expired but its credentials were right: retry with the new nonce.</summary>
    public bool Stale => Parameters.TryGetValue("stale", out var stale) && stale.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses every challenge of every WWW-Authenticate value, in order; malformed parts are skipped.</summary>
    public static IReadOnlyList<RtspAuthenticationChallenge> ParseAll(IEnumerable<string> headerValues)
    {
        var challenges = new List<RtspAuthenticationChallenge>();
        foreach (var value in headerValues)
        {
            Parse(value ?? "", challenges);
        }

        return challenges;
    }

    /// <summary>The first challenge of one header value.</summary>
    public static bool TryParse(string? value, out RtspAuthenticationChallenge challenge)
    {
        var list = new List<RtspAuthenticationChallenge>();
        Parse(value ?? "", list);
        challenge = list.Count > 0 ? list[0] : null!;
        return list.Count > 0;
    }

    // challenge = scheme 1*SP #auth-param; several challenges may share one header, separated by commas.
    private static void Parse(string text, List<RtspAuthenticationChallenge> challenges)
    {
        var position = 0;
        string? scheme = null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipSeparators(text, ref position);
            if (position >= text.Length)
            {
                break;
            }

            var token = ReadToken(text, ref position);
            if (token.Length == 0)
            {
                position++; // a stray character: skip it
                continue;
            }

            var afterToken = position;
            SkipSpaces(text, ref afterToken);
            if (afterToken < text.Length && text[afterToken] == '=' && scheme is not null)
            {
                position = afterToken + 1;
                SkipSpaces(text, ref position);
                parameters[token] = position < text.Length && text[position] == '"' ? ReadQuoted(text, ref position) : ReadBare(text, ref position);
                continue;
            }

            if (afterToken < text.Length && text[afterToken] == '=')
            {
                // token68 or a parameter before any scheme: skip to the next separator.
                while (position < text.Length && text[position] != ',')
                {
                    position++;
                }

                continue;
            }

            if (scheme is not null)
            {
                challenges.Add(new RtspAuthenticationChallenge(scheme, parameters));
                parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            scheme = token;
        }

        if (scheme is not null)
        {
            challenges.Add(new RtspAuthenticationChallenge(scheme, parameters));
        }
    }

    private static void SkipSeparators(string text, ref int position)
    {
        while (position < text.Length && (text[position] is ',' or ' ' or '\t'))
        {
            position++;
        }
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && (text[position] is ' ' or '\t'))
        {
            position++;
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && IsTokenChar(text[position]))
        {
            position++;
        }

        return text[start..position];
    }

    // An unquoted value runs to the next separator: some cameras send base64 nonces bare, padding included.
    private static string ReadBare(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && text[position] is not (',' or ' ' or '\t'))
        {
            position++;
        }

        return text[start..position];
    }

    private static string ReadQuoted(string text, ref int position)
    {
        var value = new StringBuilder();
        position++; // opening quote
        while (position < text.Length && text[position] != '"')
        {
            if (text[position] == '\\' && position + 1 < text.Length)
            {
                position++;
            }

            value.Append(text[position++]);
        }

        position++; // closing quote (or past the end when missing)
        return value.ToString();
    }

    // RFC 7230 tchar.
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
