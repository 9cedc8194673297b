using Broadcast.Api.Channels;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Api.Runtime;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Ingest.Transports.Whep;
using Microsoft.AspNetCore.Authorization;

namespace Broadcast.Api.Endpoints;

/// <summary>
/// WHEP playback (draft-ietf-wish-whep) at /whep/{channelId}: POST a recvonly SDP offer → 201 with the sendonly
/// answer, Location and ETag; 409 with Retry-After while the channel has no producer; DELETE the session URL ends it;
/// PATCH (trickle ICE, ICE restart) is not supported: 405; OPTIONS answers CORS preflights with Accept-Post. Each
/// session is one WebRTC transport with a consumer per served section (at most one audio and one video), created
/// paused and resumed once the answer is written (a key frame is asked for then, and again when DTLS connects); when
/// the channel's producers close, the session closes too.
/// Viewing follows the channel's HLS rule: open, or for a channel with signed HLS the same signed query
/// (<c>?expires=…&amp;sig=…</c>) or an admin credential (bearer JWT with role admin, or an API key).
/// </summary>
public static class WhepEndpoints
{
    private const string SdpContentType = SdpExchange.ContentType;

    /// <summary>Retry-After of a 409 for a channel with nothing published: the draft's players back off from it.</summary>
    public const int NotLiveRetryAfterSeconds = 5;

    public static IEndpointRouteBuilder MapWhep(this IEndpointRouteBuilder app)
    {
        var whep = app.MapGroup("/whep").WithTags("WHEP").RequireCors(ApiCors.WhipPolicyName);
        whep.MapPost("/{channelId}", PlayAsync).WithName("WhepPlay")
            .WithSummary("Watches a channel in real time: the body is a recvonly SDP offer (application/sdp); the sendonly answer comes back with 201. "
                + "409 with Retry-After while nothing is published.")
            .Accepts<string>(SdpContentType).Produces<string>(StatusCodes.Status201Created, SdpContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        whep.MapMethods("/{channelId}", ["OPTIONS"], SdpExchange.Preflight).ExcludeFromDescription();
        whep.MapDelete("/{channelId}/{sessionId}", EndAsync).WithName("WhepEnd").WithSummary("Ends a WHEP session (its URL is its credential).");
        whep.MapMethods("/{channelId}/{sessionId}", ["PATCH"], SdpExchange.TrickleNotSupported).WithName("WhepPatch")
            .WithSummary("Trickle ICE and ICE restarts over PATCH are not supported: 405 (the offer carries the candidates; restart with a new session).");
        whep.MapMethods("/{channelId}/{sessionId}", ["OPTIONS"], SdpExchange.Preflight).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> PlayAsync(string channelId, HttpContext context, MediaServer media, WebRtcHost webRtc,
        HlsViewerAccess viewers, IAuthorizationService authorization, ChannelService channels, ILoggerFactory loggers)
    {
        SdpExchange.AddCors(context.Response);
        if (media.FindRouter(channelId) is null)
        {
            await channels.EnsureServedHereAsync(channelId, context.RequestAborted); // 307 to its owner
        }

        if (!SdpExchange.IsSdp(context.Request))
        {
            return SdpExchange.UnsupportedMediaType("WHEP");
        }

        var decision = await viewers.CheckRealTimeViewerAsync(context, authorization, channelId);
        if (decision.Refusal is { } refusal)
        {
            if (decision.RetryAfter is { } retry)
            {
                context.Response.Headers.RetryAfter = ((int)retry.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Results.Problem(statusCode: refusal.Status, title: refusal.Title, detail: refusal.Detail);
        }

        var offerText = await SdpExchange.ReadOfferAsync(context.Request);
        if (media.FindRouter(channelId) is not { } router || await router.Worker.InvokeAsync(() => router.Producers.Count) == 0)
        {
            return NotLive(context, channelId);
        }

        var offer = WhepOffer.Parse(offerText, router.RtpCapabilities);
        var plan = await router.Worker.InvokeAsync(() => Plan(offer, router));
        if (plan.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No playable media",
                detail: string.Join(" ", offer.Sections.Select(s => $"{s.Kind} (mid {s.Mid}): {s.Rejection ?? "not published on this channel."}")));
        }

        var transport = await webRtc.CreateTransportAsync(router, null);
        var consumers = new Dictionary<int, Consumer>();
        string answer;
        try
        {
            await transport.ConnectAsync(offer.Dtls);
            foreach (var (section, producer) in plan)
            {
                consumers[section.Index] = await transport.ConsumeAsync(new ConsumeOptions
                {
                    ProducerId = producer.Id,
                    RtpCapabilities = section.Capabilities,
                    Paused = true,
                    RemotePayloadTypes = section.PayloadTypes,
                    Mid = section.Mid,
                });
            }

            var stillLive = await transport.Worker.InvokeAsync(() =>
            {
                // A WHEP player has no event channel: when the publisher leaves, the session ends (DTLS close_notify)
                // and the player sees its connection close, as the draft's server-side termination intends.
                foreach (var consumer in consumers.Values)
                {
                    consumer.Closed += (closed, reason) =>
                    {
                        if (reason == ConsumerCloseReason.ProducerClosed && transport.Consumers.Count == 0)
                        {
                            _ = transport.CloseAsync();
                        }
                    };
                }

                // A producer that closed while the consumers were being made closed them before anyone listened.
                return consumers.Values.All(c => !c.IsClosed);
            });
            if (!stillLive)
            {
                await transport.CloseAsync();
                return NotLive(context, channelId);
            }

            var streamId = $"broadcast-{channelId}";
            var tracks = consumers.ToDictionary(c => c.Key, c => WhepTrack.Of(c.Value));
            answer = await transport.Worker.InvokeAsync(() => WhepAnswer.Write(offer, tracks, streamId, transport.IceParameters,
                transport.DtlsParameters, transport.Candidates, Random.Shared.NextInt64(1, long.MaxValue)));
            foreach (var consumer in consumers.Values)
            {
                await consumer.ResumeAsync();
            }
        }
        catch
        {
            await transport.CloseAsync();
            throw;
        }

        var logger = loggers.CreateLogger(ApiLog.MediasoupCategory);
        using (logger.BeginChannelScope(router.Id, transport.Id))
        {
            foreach (var consumer in consumers.Values)
            {
                logger.ConsumerCreated(consumer.Id, consumer.ProducerId, paused: false);
            }
        }

        var location = $"/whep/{Uri.EscapeDataString(channelId)}/{transport.Id}";
        context.Response.Headers.ETag = $"\"{transport.LocalUsernameFragment}\"";
        SdpExchange.AddIceServerLinks(context);
        return SdpExchange.Created(location, answer);
    }

    /// <summary>Each servable section with the channel's producer of its kind (the first, as channels have one of each); runs on the worker.</summary>
    private static List<(WhepMediaSection Section, Producer Producer)> Plan(WhepOffer offer, Router router)
    {
        var plan = new List<(WhepMediaSection, Producer)>();
        foreach (var section in offer.Sections.Where(s => s.Capabilities is not null))
        {
            var producer = router.Producers.FirstOrDefault(p => p.Kind == section.Kind && !p.IsClosed);
            if (producer is not null && Ortc.CanConsume(producer.ConsumableRtpParameters, section.Capabilities!))
            {
                plan.Add((section, producer));
            }
        }

        return plan;
    }

    private static IResult NotLive(HttpContext context, string channelId)
    {
        context.Response.Headers.RetryAfter = NotLiveRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not live",
            detail: $"Nothing is published to channel '{channelId}' now; try again after Retry-After.");
    }

    private static async Task<IResult> EndAsync(string channelId, string sessionId, HttpContext context, MediaServer media)
    {
        SdpExchange.AddCors(context.Response);
        var transport = media.GetTransport(sessionId);
        if (transport is not WebRtcTransport || transport.Router.Id != channelId)
        {
            throw new NotFoundException("WHEP session", sessionId);
        }

        await transport.CloseAsync();
        return Results.Ok();
    }
}
