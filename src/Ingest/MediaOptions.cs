using System.Net;
using System.Net.NetworkInformation;
using Broadcast.Ingest.Routing;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest;

/// <summary>
/// The media plane's settings, bound from the "Media" section and from the seed's environment names
/// (MEDIASOUP_WORKERS, MEDIASOUP_LISTEN_IP, MEDIASOUP_ANNOUNCED_IP, MEDIASOUP_MIN_PORT, MEDIASOUP_MAX_PORT).
/// </summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Worker event loops; 0 (default) means one per core. Env MEDIASOUP_WORKERS.</summary>
    public int Workers { get; set; }

    /// <summary>Address RTP sockets bind to. Default 0.0.0.0 (all IPv4 interfaces). Env MEDIASOUP_LISTEN_IP.</summary>
    public string ListenIp { get; set; } = "0.0.0.0";

    /// <summary>Address announced to peers (tuple.localIp, ICE candidates) when it differs from ListenIp, e.g. behind NAT. Default none. Env MEDIASOUP_ANNOUNCED_IP.</summary>
    public string? AnnouncedIp { get; set; }

    /// <summary>Lowest UDP port for RTP transports (inclusive). Default 40000. Env MEDIASOUP_MIN_PORT.</summary>
    public int MinPort { get; set; } = 40000;

    /// <summary>Highest UDP port for RTP transports (inclusive). Default 49999. Env MEDIASOUP_MAX_PORT.</summary>
    public int MaxPort { get; set; } = 49999;

    /// <summary>Router codecs in preference order; default H.264 (packetization-mode 1, 42e01f), VP8, Opus/48000/2.</summary>
    public List<RtpCodecCapability> MediaCodecs { get; set; } = [.. SupportedRtpCapabilities.DefaultMediaCodecs];

    /// <summary>
    /// Share one UDP port among all WebRTC transports (default true), so that a firewall needs one rule; false gives
    /// every WebRTC transport a port of its own from the range.
    /// </summary>
    public bool WebRtcSharedPort { get; set; } = true;

    /// <summary>The shared WebRTC port; default 0 means the first port of the range (MinPort), which transports then skip.</summary>
    public int WebRtcPort { get; set; }

    /// <summary>The most a WebRTC publisher may send, told by REMB every second, in kbit/s. Default 3000.</summary>
    public int MaxIncomingBitrateKbps { get; set; } = 3000;

    /// <summary>Real-time viewers (WebRTC transports with a consumer) one channel may have; 0 for no limit. Default 500.</summary>
    public int MaxViewersPerChannel { get; set; } = 500;

    /// <summary>Real-time viewers the appliance may have over all channels; 0 for no limit. Default 2000.</summary>
    public int MaxViewers { get; set; } = 2000;

    public int EffectiveWebRtcPort => WebRtcPort > 0 ? WebRtcPort : MinPort;

    /// <summary>Socket receive and send buffer size in bytes. Default 1 MiB: absorbs bursts of key frames.</summary>
    public int SocketBufferBytes { get; set; } = 1 << 20;

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    /// <summary>
    /// The address to report to peers (ICE candidates, tuple.localIp): the announced one; else the listen one; and when
    /// that is the wildcard 0.0.0.0, which no peer can send to, this host's first IPv4 address that is up and not
    /// loopback (127.0.0.1 when there is none). Behind NAT or in a container set MEDIASOUP_ANNOUNCED_IP.
    /// </summary>
    public string AdvertisedIp => !string.IsNullOrWhiteSpace(AnnouncedIp)
        ? AnnouncedIp
        : IPAddress.TryParse(ListenIp, out var listen) && listen.Equals(IPAddress.Any) ? HostAddress.Value : ListenIp;

    private static readonly Lazy<string> HostAddress = new(() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?.ToString() ?? "127.0.0.1");
}

/// <summary>Checks every setting and reports all errors at once.</summary>
public sealed class MediaOptionsValidator : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        var errors = new List<string>();
        if (options.Workers is < 0 or > 256)
        {
            errors.Add($"Media:Workers (MEDIASOUP_WORKERS) must be 0..256, not {options.Workers}.");
        }

        if (!IPAddress.TryParse(options.ListenIp, out _))
        {
            errors.Add($"Media:ListenIp (MEDIASOUP_LISTEN_IP) '{options.ListenIp}' is not an IP address.");
        }

        if (!string.IsNullOrWhiteSpace(options.AnnouncedIp) && Uri.CheckHostName(options.AnnouncedIp) == UriHostNameType.Unknown)
        {
            errors.Add($"Media:AnnouncedIp (MEDIASOUP_ANNOUNCED_IP) '{options.AnnouncedIp}' is not an address or host name.");
        }

        if (options.MinPort is < 1024 or > 65535)
        {
            errors.Add($"Media:MinPort (MEDIASOUP_MIN_PORT) must be 1024..65535, not {options.MinPort}.");
        }

        if (options.MaxPort is < 1024 or > 65535)
        {
            errors.Add($"Media:MaxPort (MEDIASOUP_MAX_PORT) must be 1024..65535, not {options.MaxPort}.");
        }

        if (options.MaxPort - options.MinPort < 3)
        {
            errors.Add($"Media:MinPort..MaxPort ({options.MinPort}..{options.MaxPort}) must hold at least 4 ports.");
        }

        if (options.WebRtcPort is < 0 or > 65535 || options.WebRtcPort is > 0 and < 1024)
        {
            errors.Add($"Media:WebRtcPort must be 0 (the first port of the range) or 1024..65535, not {options.WebRtcPort}.");
        }

        if (options.MaxViewersPerChannel < 0 || options.MaxViewers < 0)
        {
            errors.Add($"Media:MaxViewersPerChannel and Media:MaxViewers must be 0 (no limit) or more, not {options.MaxViewersPerChannel} and {options.MaxViewers}.");
        }

        if (options.MaxIncomingBitrateKbps is < 100 or > 100_000)
        {
            errors.Add($"Media:MaxIncomingBitrateKbps must be 100..100000, not {options.MaxIncomingBitrateKbps}.");
        }

        if (options.SocketBufferBytes < 65536)
        {
            errors.Add("Media:SocketBufferBytes must be at least 65536.");
        }

        try
        {
            Ortc.GenerateRouterRtpCapabilities(options.MediaCodecs);
        }
        catch (Exception ex) when (ex is InvalidFieldException or UnsupportedCodecException)
        {
            errors.Add($"Media:MediaCodecs: {ex.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
