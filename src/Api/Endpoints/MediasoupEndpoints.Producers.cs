using Broadcast.Api.Contracts;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

public static partial class MediasoupEndpoints
{
    private static void MapProducers(RouteGroupBuilder api)
    {
        api.MapPost("/transport/{id}/producer", CreateProducer).WithName("CreateProducer").WithTags("Producers")
            .WithSummary("Creates a producer: media entering the transport, mapped to the router's payload types.")
            .AcceptsJson<CreateProducerRequest>(Examples.CreateProducer)
            .RequireAdminOrPublisher(PublishTarget.PlainTransport)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        var producers = api.MapGroup("/producer").WithTags("Producers");
        producers.MapGet("/{id}", GetProducer).WithName("GetProducer")
            .WithSummary("Gets a producer with its rtpParameters, rtpMapping and stream statistics.");
        producers.MapDelete("/{id}", DeleteProducer).WithName("DeleteProducer")
            .WithSummary("Closes a producer and its consumers.");
        producers.MapPost("/{id}/pause", PauseProducer).WithName("PauseProducer")
            .WithSummary("Stops forwarding the producer's media to its consumers.");
        producers.MapPost("/{id}/resume", ResumeProducer).WithName("ResumeProducer")
            .WithSummary("Forwards the producer's media again and asks the source for a key frame.");
        producers.MapPost("/{id}/request-key-frame", RequestProducerKeyFrame).WithName("RequestProducerKeyFrame")
            .WithSummary("Asks the source for a key frame (PLI, or FIR without PLI feedback); at most once a second.");
    }

    private static async Task<Created<ProducerResponse>> CreateProducer(string id, HttpRequest request, MediaServer media,
        ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<CreateProducerRequest>(request);
        var transport = media.GetTransport(id);
        var producer = await transport.ProduceAsync(body.ProducerId, body.Kind, body.RtpParameters, body.Paused);
        var response = await DescribeAsync(producer);
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(transport.Router.Id, transport.Id))
        {
            logger.ProducerCreated(producer.Id, producer.Kind, producer.MimeType);
        }

        return TypedResults.Created($"{Prefix}/producer/{producer.Id}", response);
    }

    private static async Task<Ok<ProducerResponse>> GetProducer(string id, MediaServer media) =>
        TypedResults.Ok(await DescribeAsync(media.GetProducer(id)));

    private static async Task<NoContent> DeleteProducer(string id, MediaServer media, ILoggerFactory loggers)
    {
        var producer = media.GetProducer(id);
        await producer.CloseAsync();
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(producer.Router.Id, producer.Transport.Id))
        {
            logger.ProducerClosed(id);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Ok<ProducerResponse>> PauseProducer(string id, MediaServer media)
    {
        var producer = media.GetProducer(id);
        await producer.PauseAsync();
        return TypedResults.Ok(await DescribeAsync(producer));
    }

    private static async Task<Ok<ProducerResponse>> ResumeProducer(string id, MediaServer media)
    {
        var producer = media.GetProducer(id);
        await producer.ResumeAsync();
        return TypedResults.Ok(await DescribeAsync(producer));
    }

    private static async Task<NoContent> RequestProducerKeyFrame(string id, MediaServer media)
    {
        await media.GetProducer(id).RequestKeyFrameAsync();
        return TypedResults.NoContent();
    }

    private static Task<ProducerResponse> DescribeAsync(Producer producer) =>
        producer.Router.Worker.InvokeAsync(() =>
            producer.IsClosed ? throw new NotFoundException("producer", producer.Id) : ProducerResponse.From(producer));
}
