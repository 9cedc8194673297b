using System.Globalization;
using System.Text;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// An RTSP request (RFC 2326 §6): <c>METHOD SP Request-URI SP RTSP/1.0 CRLF</c>, headers, blank line, body.
/// The client writes them; tests (a scripted camera) parse them.
/// </summary>
public sealed class RtspRequest
{
    public RtspRequest(string method, string uri, RtspHeaders? headers = null, byte[]? body = null)
    {
        Method = method;
        Uri = uri;
        Headers = headers ?? new RtspHeaders();
        Body = body ?? [];
    }

    public string Method { get; }
    public string Uri { get; }
    public RtspHeaders Headers { get; }
    public byte[] Body { get; }

    public int CSeq => int.TryParse(Headers.Get("CSeq"), NumberStyles.None, CultureInfo.InvariantCulture, out var cseq) ? cseq : -1;

    /// <summary>Parses one complete message; false for a response or garbage.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out RtspRequest request)
    {
        request = null!;
        if (!RtspMessageReader.TrySplit(message, out var startLine, out var headers, out var body))
        {
            return false;
        }

        var parts = startLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !parts[2].StartsWith("RTSP/", StringComparison.Ordinal) || parts[0].Any(c => !char.IsAsciiLetterUpper(c) && c != '_'))
        {
            return false;
        }

        request = new RtspRequest(parts[0], parts[1], headers, body);
        return true;
    }

    /// <summary>The request as sent: CRLF line ends, Content-Length added when there is a body.</summary>
    public byte[] ToArray()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Method} {Uri} RTSP/1.0\r\n");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        if (Body.Length > 0 && Headers.Get("Content-Length") is null)
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Length: {Body.Length}\r\n");
        }

        text.Append("\r\n");
        var head = Encoding.UTF8.GetBytes(text.ToString());
        return [.. head, .. Body];
    }
}
