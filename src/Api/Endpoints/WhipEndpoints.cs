using Broadcast.Api.Channels;
using Broadcast.Api.Http;
using Broadcast.Api.Runtime;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Ingest.Transports.Whip;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// WHIP ingest (RFC 9725) at /whip/{channelId}: POST an SDP offer → 201 with the answer, Location and ETag; DELETE
/// the session URL ends it; PATCH (trickle ICE) is not supported: 405, as the RFC allows; OPTIONS answers CORS
/// preflights. The channel's router is created on first use (with a defined channel's HLS profile); each session is
/// one WebRTC transport. POST and DELETE take the channel's publish token as <c>Authorization: Bearer</c> (or an admin
/// credential): 401 with WWW-Authenticate: Bearer without it. CORS allows any origin: access is controlled by the
/// token, which no browser sends by itself.
/// </summary>
public static class WhipEndpoints
{
    private const string SdpContentType = SdpExchange.ContentType;

    public static IEndpointRouteBuilder MapWhip(this IEndpointRouteBuilder app)
    {
        var whip = app.MapGroup("/whip").WithTags("WHIP").RequireCors(ApiCors.WhipPolicyName);
        whip.MapPost("/{channelId}", PublishAsync).WithName("WhipPublish")
            .WithSummary("Publishes to a channel: the body is an SDP offer (application/sdp); the answer comes back with 201.")
            .Accepts<string>(SdpContentType).Produces<string>(StatusCodes.Status201Created, SdpContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).RequireAdminOrPublisher(PublishTarget.Channel, "channelId");
        whip.MapMethods("/{channelId}", ["OPTIONS"], SdpExchange.Preflight).ExcludeFromDescription();
        whip.MapDelete("/{channelId}/{sessionId}", EndAsync).WithName("WhipEnd").WithSummary("Ends a WHIP session.")
            .RequireAdminOrPublisher(PublishTarget.Channel, "channelId");
        whip.MapMethods("/{channelId}/{sessionId}", ["PATCH"], SdpExchange.TrickleNotSupported).WithName("WhipPatch")
            .WithSummary("Trickle ICE and ICE restarts over PATCH are not supported: 405 (the offer carries the candidates).");
        whip.MapMethods("/{channelId}/{sessionId}", ["OPTIONS"], SdpExchange.Preflight).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> PublishAsync(string channelId, HttpContext context, ChannelService channels, WebRtcHost webRtc)
    {
        SdpExchange.AddCors(context.Response);
        if (!SdpExchange.IsSdp(context.Request))
        {
            return SdpExchange.UnsupportedMediaType("WHIP");
        }

        var offerText = await SdpExchange.ReadOfferAsync(context.Request);
        var router = await channels.EnsureRouterAsync(channelId, context.RequestAborted);
        var offer = WhipOffer.Parse(offerText, router.RtpCapabilities);
        if (!offer.Sections.Any(s => s.Parameters is not null))
        {
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No acceptable media",
                detail: string.Join(" ", offer.Sections.Select(s => $"{s.Kind} (mid {s.Mid}): {s.Rejection}")));
        }

        var transport = await webRtc.CreateTransportAsync(router, null);
        try
        {
            await transport.ConnectAsync(offer.Dtls);
            foreach (var section in offer.Sections.Where(s => s.Parameters is not null))
            {
                await transport.ProduceAsync(null, section.Kind, section.Parameters, paused: false);
            }
        }
        catch
        {
            await transport.CloseAsync();
            throw;
        }

        var answer = await transport.Worker.InvokeAsync(() => WhipAnswer.Write(offer, transport.IceParameters, transport.DtlsParameters,
            transport.Candidates, Random.Shared.NextInt64(1, long.MaxValue)));
        var location = $"/whip/{Uri.EscapeDataString(channelId)}/{transport.Id}";
        context.Response.Headers.ETag = $"\"{transport.LocalUsernameFragment}\"";
        SdpExchange.AddIceServerLinks(context);
        return SdpExchange.Created(location, answer);
    }

    private static async Task<IResult> EndAsync(string channelId, string sessionId, HttpContext context, MediaServer media)
    {
        SdpExchange.AddCors(context.Response);
        var transport = media.GetTransport(sessionId);
        if (transport is not WebRtcTransport || transport.Router.Id != channelId)
        {
            throw new NotFoundException("WHIP session", sessionId);
        }

        await transport.CloseAsync();
        return Results.Ok(); // OBS treats anything but 200 as a warning
    }
}
