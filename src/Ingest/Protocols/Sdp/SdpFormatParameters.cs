using System.Globalization;

namespace Broadcast.Ingest.Protocols.Sdp;

/// <summary>
/// The parameters of an <c>a=fmtp:&lt;pt&gt; key=value;key=value</c> attribute, in order. Values keep everything after
/// the first <c>=</c> (base64 padding included); names compare case-insensitively.
/// </summary>
public sealed class SdpFormatParameters
{
    public static readonly SdpFormatParameters Empty = new([]);

    private SdpFormatParameters(IReadOnlyList<KeyValuePair<string, string>> parameters) => Parameters = parameters;

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    public int Count => Parameters.Count;

    /// <summary>Parses the text after the payload type; empty or malformed parts are skipped.</summary>
    public static SdpFormatParameters Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Empty;
        }

        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? part : part[..equals]).Trim();
            if (name.Length > 0)
            {
                list.Add(new(name, equals < 0 ? "" : part[(equals + 1)..].Trim()));
            }
        }

        return new SdpFormatParameters(list);
    }

    public string? Get(string name)
    {
        foreach (var (key, value) in Parameters)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public int? GetInteger(string name) =>
        int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// Decodes a comma-separated list of base64 NAL units, as in H.264's <c>sprop-parameter-sets</c> (RFC 6184 §8.1)
    /// or H.265's <c>sprop-vps/sps/pps</c> (RFC 7798 §7.1). False when absent or when any unit is not base64.
    /// </summary>
    public bool TryGetParameterSets(string name, out IReadOnlyList<byte[]> units)
    {
        var list = new List<byte[]>();
        units = list;
        if (Get(name) is not { Length: > 0 } value)
        {
            return false;
        }

        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var buffer = new byte[part.Length];
            if (!Convert.TryFromBase64String(Pad(part), buffer, out var written) || written == 0)
            {
                return false;
            }

            list.Add(buffer[..written]);
        }

        return list.Count > 0;
    }

    /// <summary>Decodes a hex value, as AAC's <c>config</c> (RFC 3640 §4.1). False when absent or not hex.</summary>
    public bool TryGetHex(string name, out byte[] bytes)
    {
        bytes = [];
        if (Get(name) is not { Length: > 0 } value || value.Length % 2 != 0)
        {
            return false;
        }

        var buffer = new byte[value.Length / 2];
        if (Convert.FromHexString(value, buffer, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }

    // Some cameras drop the base64 padding.
    private static string Pad(string base64) => (base64.Length % 4) switch
    {
        2 => base64 + "==",
        3 => base64 + "=",
        _ => base64,
    };

    public override string ToString() =>
        string.Join(';', Parameters.Select(p => p.Value.Length == 0 ? p.Key : $"{p.Key}={p.Value}"));
}
