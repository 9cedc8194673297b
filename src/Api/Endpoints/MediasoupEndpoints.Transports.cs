using Broadcast.Api.Channels;
using Broadcast.Api.Contracts;
using Broadcast.Api.Runtime;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Ingest.Transports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

public static partial class MediasoupEndpoints
{
    private static void MapTransports(RouteGroupBuilder api)
    {
        api.MapPost("/router/{id}/webrtc-transport", CreateWebRtcTransport).WithName("CreateWebRtcTransport").WithTags("Transports")
            .WithSummary("Creates a WebRTC transport (ICE-lite, DTLS-SRTP): pass its id, iceParameters, iceCandidates and dtlsParameters to mediasoup-client's createSendTransport.")
            .AcceptsJson<CreateWebRtcTransportRequest>(Examples.CreateWebRtcTransport)
            .Produces<WebRtcTransportResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/router/{id}/rtp-transport", CreatePlainTransport).WithName("CreatePlainTransport").WithTags("Transports")
            .WithSummary("Creates a plain RTP transport (UDP; comedia for FFmpeg/GStreamer publishers, connect for receivers); starts a defined publisher channel's router.")
            .AcceptsJson<CreatePlainTransportRequest>(Examples.CreatePlainTransport)
            .RequireAdminOrPublisher(PublishTarget.Channel)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var transports = api.MapGroup("/transport").WithTags("Transports");
        transports.MapGet("/{id}", GetTransport).WithName("GetTransport")
            .WithSummary("Gets a transport with its tuples (plain), producer and consumer ids and statistics; type rtsp for a camera's session.");
        transports.MapPost("/{id}/connect", ConnectTransport).WithName("ConnectTransport")
            .WithSummary("Connects a transport: ip, port and rtcpPort for a plain transport; dtlsParameters (the publisher's fingerprint) for a WebRTC one.")
            .AcceptsJson<ConnectTransportRequest>(Examples.ConnectPlainTransport)
            .RequireAdminOrPublisher(PublishTarget.PlainTransport)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        transports.MapPost("/{id}/restart-ice", RestartIce).WithName("RestartIce")
            .WithSummary("Restarts ICE on a WebRTC transport: new iceParameters to hand to the client's restartIce.");
        transports.MapDelete("/{id}", DeleteTransport).WithName("DeleteTransport")
            .WithSummary("Closes a transport with its producers and consumers.");
    }

    private static async Task<IResult> CreateWebRtcTransport(string id, HttpRequest request, MediaServer media, WebRtcHost webRtc, ChannelService channels)
    {
        var body = await JsonBody.ReadAsync<CreateWebRtcTransportRequest>(request);
        var router = await LocalRouterAsync(id, media, channels, request.HttpContext.RequestAborted);
        var transport = await webRtc.CreateTransportAsync(router, body.TransportId);
        return TypedResults.Created($"{Prefix}/transport/{transport.Id}", await DescribeAsync(transport));
    }

    private static async Task<Created<PlainTransportResponse>> CreatePlainTransport(string id, HttpRequest request, TransportFactory transports,
        ChannelService channels, PublisherTransports publisherTransports, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<CreatePlainTransportRequest>(request);
        var router = await channels.GetPlainTransportRouterAsync(id, request.HttpContext.RequestAborted);
        var options = new PlainTransportOptions { ListenIp = body.ListenIp, RtcpMux = body.RtcpMux, Comedia = body.Comedia };
        var transport = await transports.CreatePlainAsync(router, body.TransportId, options);
        if (request.HttpContext.Features.Get<PublisherGrant>() is not null)
        {
            publisherTransports.Add(transport); // its publisher may connect it and produce on it
        }

        var response = (PlainTransportResponse)await DescribeAsync(transport);
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(router.Id, transport.Id))
        {
            logger.PlainTransportCreated(transport.Id, response.Tuple.LocalPort, response.Comedia, response.RtcpMux);
        }

        return TypedResults.Created($"{Prefix}/transport/{transport.Id}", response);
    }

    private static async Task<IResult> GetTransport(string id, MediaServer media) =>
        TypedResults.Ok(await DescribeAsync(media.GetTransport(id)));

    private static async Task<IResult> ConnectTransport(string id, HttpRequest request, MediaServer media,
        ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<ConnectTransportRequest>(request);
        var transport = media.GetTransport(id);
        if (transport is WebRtcTransport webRtc)
        {
            if (body.Ip is not null || body.Port is not null)
            {
                throw new InvalidFieldException("ip", "A WebRTC transport connects with dtlsParameters, not ip and port.");
            }

            await webRtc.ConnectAsync(body.DtlsParameters);
            return TypedResults.Ok(await DescribeAsync(webRtc));
        }

        if (transport is not PlainRtpTransport plain)
        {
            throw new ConflictException($"A {transport.Type} transport is connected by its source, not through the API.");
        }

        if (body.DtlsParameters is not null)
        {
            throw new InvalidFieldException("dtlsParameters",
                "dtlsParameters are for WebRTC transports; a plain transport connects with ip, port and rtcpPort.");
        }

        await plain.ConnectAsync(body.Ip, body.Port, body.RtcpPort);
        var response = (PlainTransportResponse)await DescribeAsync(plain);
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(plain.Router.Id, plain.Id))
        {
            logger.TransportConnected(plain.Id, response.Tuple.RemoteIp, response.Tuple.RemotePort);
        }

        return TypedResults.Ok(response);
    }

    private static async Task<Ok<IceParameters>> RestartIce(string id, MediaServer media) =>
        media.GetTransport(id) is WebRtcTransport webRtc
            ? TypedResults.Ok(await webRtc.RestartIceAsync())
            : throw new ConflictException($"Transport {id} is not a WebRTC transport: only those restart ICE.");

    private static async Task<NoContent> DeleteTransport(string id, MediaServer media, ILoggerFactory loggers)
    {
        var transport = media.GetTransport(id);
        await transport.CloseAsync();
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(transport.Router.Id, transport.Id))
        {
            logger.TransportClosed(id);
        }

        return TypedResults.NoContent();
    }

    private static Task<object> DescribeAsync(Transport transport) =>
        transport.Worker.InvokeAsync<object>(() => transport switch
        {
            { IsClosed: true } => throw new NotFoundException("transport", transport.Id),
            PlainRtpTransport plain => PlainTransportResponse.From(plain),
            WebRtcTransport webRtc => WebRtcTransportResponse.From(webRtc),
            RtspSourceTransport rtsp => RtspTransportResponse.From(rtsp),
            DirectTransport direct => DirectTransportResponse.From(direct),
            _ => throw new NotSupportedException($"Transport type {transport.Type} has no REST shape."),
        });
}
