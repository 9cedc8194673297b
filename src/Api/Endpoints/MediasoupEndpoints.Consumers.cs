using Broadcast.Api.Contracts;
using Broadcast.Api.Http;
using Broadcast.Api.Logging;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadcast.Api.Endpoints;

public static partial class MediasoupEndpoints
{
    private static void MapConsumers(RouteGroupBuilder api)
    {
        api.MapPost("/transport/{id}/consumer", CreateConsumer).WithName("CreateConsumer").WithTags("Consumers")
            .WithSummary("Creates a consumer of a producer of the same router (mediasoup's transport.consume()): its own SSRC, the router's "
                + "payload type and extension ids; on a WebRTC transport also a mid and RTX on its own SSRC when rtpCapabilities include RTX. "
                + "Create video consumers paused and resume once the receiver is ready, as mediasoup advises. A camera session's transport cannot send: 409.")
            .AcceptsJson<CreateConsumerRequest>(Examples.CreateConsumer)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        var consumers = api.MapGroup("/consumer").WithTags("Consumers");
        consumers.MapGet("/{id}", GetConsumer).WithName("GetConsumer")
            .WithSummary("Gets a consumer with its rtpParameters and statistics, including what its receiver reported (RTT, loss, jitter, NACKs, key frame requests, REMB).");
        consumers.MapDelete("/{id}", DeleteConsumer).WithName("DeleteConsumer").WithSummary("Closes a consumer.");
        consumers.MapPost("/{id}/pause", PauseConsumer).WithName("PauseConsumer").WithSummary("Stops sending to the receiver.");
        consumers.MapPost("/{id}/resume", ResumeConsumer).WithName("ResumeConsumer")
            .WithSummary("Starts or restarts sending from the next key frame, which it asks the producer for (requests from many viewers collapse into one).");
        consumers.MapPost("/{id}/request-key-frame", RequestConsumerKeyFrame).WithName("RequestConsumerKeyFrame")
            .WithSummary("Asks the producer's source for a key frame.");
    }

    private static async Task<Created<ConsumerResponse>> CreateConsumer(string id, HttpRequest request, MediaServer media,
        ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync<CreateConsumerRequest>(request);
        var transport = media.GetTransport(id);
        if (string.IsNullOrEmpty(body.ProducerId))
        {
            throw new InvalidFieldException("producerId", "producerId is required.");
        }

        var consumer = await transport.ConsumeAsync(body.ConsumerId, body.ProducerId, body.RtpCapabilities, body.Paused);
        var response = await DescribeAsync(consumer);
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(transport.Router.Id, transport.Id))
        {
            logger.ConsumerCreated(consumer.Id, consumer.ProducerId, response.Paused);
        }

        return TypedResults.Created($"{Prefix}/consumer/{consumer.Id}", response);
    }

    private static async Task<Ok<ConsumerResponse>> GetConsumer(string id, MediaServer media) =>
        TypedResults.Ok(await DescribeAsync(media.GetConsumer(id)));

    private static async Task<NoContent> DeleteConsumer(string id, MediaServer media, ILoggerFactory loggers)
    {
        var consumer = media.GetConsumer(id);
        await consumer.CloseAsync();
        var logger = loggers.Mediasoup();
        using (logger.BeginChannelScope(consumer.Transport.Router.Id, consumer.Transport.Id))
        {
            logger.ConsumerClosed(id);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Ok<ConsumerResponse>> PauseConsumer(string id, MediaServer media)
    {
        var consumer = media.GetConsumer(id);
        await consumer.PauseAsync();
        return TypedResults.Ok(await DescribeAsync(consumer));
    }

    private static async Task<Ok<ConsumerResponse>> ResumeConsumer(string id, MediaServer media)
    {
        var consumer = media.GetConsumer(id);
        await consumer.ResumeAsync();
        return TypedResults.Ok(await DescribeAsync(consumer));
    }

    private static async Task<NoContent> RequestConsumerKeyFrame(string id, MediaServer media)
    {
        await media.GetConsumer(id).RequestKeyFrameAsync();
        return TypedResults.NoContent();
    }

    private static Task<ConsumerResponse> DescribeAsync(Consumer consumer) =>
        consumer.Transport.Worker.InvokeAsync(() =>
            consumer.IsClosed ? throw new NotFoundException("consumer", consumer.Id) : ConsumerResponse.From(consumer));
}
