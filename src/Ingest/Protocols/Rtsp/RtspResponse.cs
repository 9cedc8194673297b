using System.Globalization;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>
/// An RTSP response (RFC 2326 §7): <c>RTSP/1.0 SP status SP reason CRLF</c>, headers, blank line, body.
/// </summary>
public sealed class RtspResponse
{
    public RtspResponse(int statusCode, string reason, RtspHeaders headers, byte[] body)
    {
        StatusCode = statusCode;
        Reason = reason;
        Headers = headers;
        Body = body;
    }

    public int StatusCode { get; }
    public string Reason { get; }
    public RtspHeaders Headers { get; }
    public byte[] Body { get; }

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The CSeq the response answers, or -1 when absent or malformed.</summary>
    public int CSeq => int.TryParse(Headers.Get("CSeq"), NumberStyles.None, CultureInfo.InvariantCulture, out var cseq) ? cseq : -1;

    /// <summary>Parses one complete message (as delimited by <see cref="RtspMessageReader.TryReadFrame"/>); false for a request or garbage.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out RtspResponse response)
    {
        response = null!;
        if (!RtspMessageReader.TrySplit(message, out var startLine, out var headers, out var body))
        {
            return false;
        }

        // "RTSP/1.0 200 OK"; some cameras omit the reason phrase.
        var parts = startLine.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !parts[0].StartsWith("RTSP/", StringComparison.Ordinal)
            || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || status < 100)
        {
            return false;
        }

        response = new RtspResponse(status, parts.Length > 2 ? parts[2].Trim() : "", headers, body);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{StatusCode} {Reason}");
}
