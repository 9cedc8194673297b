using Broadcast.Api.Http;
using Broadcast.Api.WebRtc;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

/// <summary>GET /api/v1/webrtc-config: what a browser passes to new RTCPeerConnection (or mediasoup-client's transports).</summary>
public static class WebRtcConfigEndpoints
{
    public static IEndpointRouteBuilder MapWebRtcConfig(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/webrtc-config", GetConfig).WithName("GetWebRtcConfig").WithTags("WebRTC").RequireCors(ApiCors.PolicyName)
            .WithSummary("The RTCConfiguration for publishers and viewers: STUN and TURN servers (TURN credentials minted now, in coturn's "
                + "REST-API scheme, valid for IceServers:CredentialLifetime), rtcpMuxPolicy and bundlePolicy. Public: the pages need it before signing in.");
        return app;
    }

    private static Ok<WebRtcConfigResponse> GetConfig(IceServerDirectory directory, HttpResponse response)
    {
        // Credentials in the body: neither browsers nor proxies may keep a copy.
        response.Headers.CacheControl = "no-store";
        var (servers, expiresAt) = directory.Current();
        return TypedResults.Ok(new WebRtcConfigResponse(servers, "require", "max-bundle", expiresAt));
    }
}

/// <summary>An RTCConfiguration (W3C WebRTC §4.2.1) with the expiry of the TURN credentials in it.</summary>
/// <param name="IceServers">STUN servers, then TURN servers with a username and credential; empty when none is configured
/// (on a LAN or loopback the appliance's own ICE-lite candidates are enough).</param>
/// <param name="RtcpMuxPolicy">Always "require": the appliance multiplexes RTP and RTCP on one port.</param>
/// <param name="BundlePolicy">Always "max-bundle": one transport for audio and video.</param>
/// <param name="ExpiresAt">When the TURN credentials expire; null without TURN.</param>
public sealed record WebRtcConfigResponse(IReadOnlyList<IceServer> IceServers, string RtcpMuxPolicy, string BundlePolicy, DateTimeOffset? ExpiresAt);
