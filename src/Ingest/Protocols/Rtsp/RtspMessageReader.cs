using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Broadcast.Ingest.Protocols.Rtsp;

/// <summary>What starts a buffer read from an RTSP connection.</summary>
public enum RtspFrameKind
{
    /// <summary>Not enough bytes yet to tell where the frame ends.</summary>
    Incomplete,

    /// <summary>An RTSP request or response: start line, headers, blank line, Content-Length bytes of body.</summary>
    Message,

    /// <summary>A <c>$</c> frame carrying one RTP or RTCP packet on an interleaved channel (RFC 2326 §10.12).</summary>
    Interleaved,

    /// <summary>Bytes that start neither: the caller skips one byte and looks again.</summary>
    Invalid,
}

/// <summary>
/// Splits the byte stream of an RTSP connection into messages and interleaved frames, and reads the start line and
/// headers of a message. Pure: no I/O, never throws on wire input.
/// <code>
/// Interleaved frame (RFC 2326 §10.12):
/// +--------+---------+------------------+---------------------+
/// | '$' 24 | channel | length (16, BE)  | length bytes of RTP |
/// +--------+---------+------------------+---------------------+
/// Message: "RTSP/1.0 200 OK\r\n" | "PLAY rtsp://... RTSP/1.0\r\n", header lines, "\r\n", body
/// </code>
/// </summary>
public static class RtspMessageReader
{
    public const byte InterleavedMarker = (byte)'$';
    public const int InterleavedHeaderLength = 4;

    /// <summary>Longest start line plus headers accepted; beyond that without a blank line the stream is garbage.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>Largest body accepted (an SDP is a few kilobytes).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>
    /// Finds the frame at the start of <paramref name="buffer"/>: its kind, its total length in bytes (header included)
    /// and, for interleaved frames, the channel.
    /// </summary>
    public static RtspFrameKind TryReadFrame(ReadOnlySpan<byte> buffer, out int length, out byte channel)
    {
        length = 0;
        channel = 0;
        if (buffer.IsEmpty)
        {
            return RtspFrameKind.Incomplete;
        }

        if (buffer[0] == InterleavedMarker)
        {
            if (buffer.Length < InterleavedHeaderLength)
            {
                return RtspFrameKind.Incomplete;
            }

            channel = buffer[1];
            var total = InterleavedHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            if (buffer.Length < total)
            {
                return RtspFrameKind.Incomplete;
            }

            length = total;
            return RtspFrameKind.Interleaved;
        }

        if (!IsTokenStart(buffer[0]))
        {
            return RtspFrameKind.Invalid;
        }

        var headerEnd = FindHeaderEnd(buffer, out var terminatorLength);
        if (headerEnd < 0)
        {
            // A line that cannot be a start line is garbage; so is a header block that never ends.
            var firstLineEnd = buffer.IndexOf((byte)'\n');
            if (firstLineEnd < 0 ? buffer.Length > MaxHeaderBytes : !LooksLikeStartLine(buffer[..firstLineEnd]))
            {
                return RtspFrameKind.Invalid;
            }

            return buffer.Length > MaxHeaderBytes ? RtspFrameKind.Invalid : RtspFrameKind.Incomplete;
        }

        var headerLength = headerEnd + terminatorLength;
        if (!LooksLikeStartLine(buffer[..buffer.IndexOf((byte)'\n')]) || !TryGetContentLength(buffer[..headerEnd], out var bodyLength))
        {
            return RtspFrameKind.Invalid;
        }

        if (buffer.Length < headerLength + bodyLength)
        {
            return RtspFrameKind.Incomplete;
        }

        length = headerLength + bodyLength;
        return RtspFrameKind.Message;
    }

    /// <summary>
    /// Splits a complete message into its start line, headers and body. Lines end with CRLF or a bare LF; a header
    /// line starting with white space continues the previous one. False when there is no start line or a header has
    /// no colon.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> message, out string startLine, out RtspHeaders headers, out byte[] body)
    {
        startLine = "";
        headers = new RtspHeaders();
        body = [];
        var headerEnd = FindHeaderEnd(message, out var terminatorLength);
        if (headerEnd < 0)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(message[..headerEnd]);
        var lines = text.Split('\n');
        startLine = lines[0].TrimEnd('\r').Trim();
        if (startLine.Length == 0)
        {
            return false;
        }

        string? name = null;
        var value = new StringBuilder();
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (name is null)
                {
                    return false;
                }

                value.Append(' ').Append(line.Trim());
                continue;
            }

            if (name is not null)
            {
                headers.Add(name, value.ToString());
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            name = line[..colon].Trim();
            value.Clear().Append(line[(colon + 1)..].Trim());
        }

        if (name is not null)
        {
            headers.Add(name, value.ToString());
        }

        var bodyStart = headerEnd + terminatorLength;
        var contentLength = int.TryParse(headers.Get("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var declared)
            ? declared
            : 0;
        body = message[bodyStart..].Length >= contentLength ? message.Slice(bodyStart, contentLength).ToArray() : message[bodyStart..].ToArray();
        return true;
    }

    /// <summary>Writes the 4-byte header of an interleaved frame; false when <paramref name="destination"/> is too short.</summary>
    public static bool TryWriteInterleavedHeader(Span<byte> destination, byte channel, int payloadLength)
    {
        if (destination.Length < InterleavedHeaderLength || payloadLength is < 0 or > ushort.MaxValue)
        {
            return false;
        }

        destination[0] = InterleavedMarker;
        destination[1] = channel;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
        return true;
    }

    /// <summary>Index of the blank line ending the headers (CRLFCRLF or LFLF), or -1.</summary>
    private static int FindHeaderEnd(ReadOnlySpan<byte> buffer, out int terminatorLength)
    {
        terminatorLength = 0;
        var limit = Math.Min(buffer.Length, MaxHeaderBytes + 4);
        for (var i = 0; i < limit - 1; i++)
        {
            if (buffer[i] != '\n')
            {
                continue;
            }

            if (buffer[i + 1] == '\n')
            {
                terminatorLength = 2;
                return i;
            }

            if (i + 2 < limit && buffer[i + 1] == '\r' && buffer[i + 2] == '\n')
            {
                // "\r\n\r\n": the headers end at the first CR; the terminator is CRLFCRLF minus the CR before i.
                var end = i > 0 && buffer[i - 1] == '\r' ? i - 1 : i;
                terminatorLength = i + 3 - end;
                return end;
            }
        }

        return -1;
    }

    // "RTSP/1.0 200 OK" or "METHOD uri RTSP/1.0": two spaces at least, and RTSP/ at one end.
    private static bool LooksLikeStartLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return line.StartsWith("RTSP/"u8) || line.EndsWith(" RTSP/1.0"u8) || line.EndsWith(" RTSP/2.0"u8);
    }

    private static bool IsTokenStart(byte value) => value is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or (byte)'_';

    private static bool TryGetContentLength(ReadOnlySpan<byte> headerBlock, out int length)
    {
        length = 0;
        var rest = headerBlock;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !Ascii.EqualsIgnoreCase(line[..colon].Trim((byte)' '), "Content-Length"u8))
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim(" \t\r"u8);
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > MaxBodyBytes)
            {
                return false;
            }
        }

        return true;
    }
}
