using System.Globalization;

namespace Broadcast.Ingest.Protocols.Sdp;

/// <summary>
/// One <c>m=</c> section of a session description (RFC 8866 §5.14): <c>m=video 0 RTP/AVP 96</c> and the attributes
/// after it, with what an RTSP client needs read out: rtpmap, fmtp, control and frame rate.
/// </summary>
public sealed class MediaDescription
{
    private readonly List<KeyValuePair<string, string>> _attributes = [];
    private readonly Dictionary<int, SdpRtpMap> _rtpMaps = [];
    private readonly Dictionary<int, string> _formatParameters = [];

    internal MediaDescription(string media, int port, string protocol, IReadOnlyList<int> formats)
    {
        Media = media;
        Port = port;
        Protocol = protocol;
        Formats = formats;
    }

    /// <summary>audio, video, application, text…</summary>
    public string Media { get; }

    public int Port { get; }

    /// <summary>RTP/AVP, RTP/AVPF, RTP/SAVP…</summary>
    public string Protocol { get; }

    /// <summary>The payload types listed on the m= line, in preference order.</summary>
    public IReadOnlyList<int> Formats { get; }

    /// <summary>Every <c>a=</c> attribute of the section in order (name, value; value empty for flags).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes => _attributes;

    /// <summary>The track's <c>a=control</c>, null when absent.</summary>
    public string? Control => Attribute("control");

    /// <summary><c>a=framerate</c> (or <c>a=x-framerate</c>) when given and positive.</summary>
    public double? FrameRate =>
        double.TryParse(Attribute("framerate") ?? Attribute("x-framerate"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
        && rate > 0 && double.IsFinite(rate) ? rate : null;

    /// <summary>The first value of the attribute named <paramref name="name"/>, or null.</summary>
    public string? Attribute(string name)
    {
        foreach (var (key, value) in _attributes)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The rtpmap of a payload type, or the static assignment (PCMU, PCMA…) when it has none.</summary>
    public SdpRtpMap? GetRtpMap(int payloadType) =>
        _rtpMaps.TryGetValue(payloadType, out var map) ? map : payloadType < 96 ? SdpRtpMap.Static(payloadType) : null;

    public SdpFormatParameters GetFormatParameters(int payloadType) =>
        _formatParameters.TryGetValue(payloadType, out var text) ? SdpFormatParameters.Parse(text) : SdpFormatParameters.Empty;

    internal void AddAttribute(string name, string value)
    {
        _attributes.Add(new(name, value));
        if (name.Equals("rtpmap", StringComparison.OrdinalIgnoreCase) && SdpRtpMap.TryParse(value, out var map))
        {
            _rtpMaps.TryAdd(map.PayloadType, map);
        }
        else if (name.Equals("fmtp", StringComparison.OrdinalIgnoreCase))
        {
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && int.TryParse(value.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var payloadType))
            {
                _formatParameters.TryAdd(payloadType, value[(space + 1)..].Trim());
            }
        }
    }
}
