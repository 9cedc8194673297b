using System.Globalization;
using Broadcast.Api.Http;
using Broadcast.Api.Webhooks;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Endpoints;

/// <summary>Webhooks through the API (admin): the configured receivers (never their secrets) and the delivery history.</summary>
public static class WebhookEndpoints
{
    public const string Prefix = "/api/v1/webhooks";
    public const int MaxCount = 1000;

    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup(Prefix).WithTags("Webhooks").RequireCors(ApiCors.PolicyName);
        webhooks.MapGet("/", ListEndpoints).WithName("ListWebhookEndpoints")
            .WithSummary("The configured receivers (Webhooks:Endpoints): name, URL and the events each gets; secrets are never shown.");
        webhooks.MapGet("/deliveries", ListDeliveries).WithName("ListWebhookDeliveries")
            .WithSummary("The latest deliveries, newest first (count 1..1000, default 50; channel to keep one channel's): event, endpoint, state, attempts, last status and error.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        webhooks.MapGet("/deliveries/{id}", GetDelivery).WithName("GetWebhookDelivery")
            .WithSummary("One delivery with the payload sent.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Ok<WebhookEndpointResponse[]> ListEndpoints(IOptions<WebhookOptions> options)
    {
        var settings = options.Value;
        return TypedResults.Ok(settings.Endpoints.Select((e, i) => new WebhookEndpointResponse(WebhookOptionsValidator.NameOf(settings, i), e.Url,
            e.Events.Trim() == "*" ? ["*"] : [.. e.Events.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)])).ToArray());
    }

    private static async Task<Ok<IReadOnlyList<WebhookDelivery>>> ListDeliveries(IWebhookDeliveryStore store, int? count, string? channel,
        CancellationToken cancellationToken)
    {
        var take = count ?? 50;
        if (take is < 1 or > MaxCount)
        {
            throw new InvalidFieldException("count", $"count must be 1..{MaxCount.ToString(CultureInfo.InvariantCulture)}.");
        }

        return TypedResults.Ok(await store.RecentAsync(take, string.IsNullOrEmpty(channel) ? null : channel, cancellationToken));
    }

    private static async Task<Ok<WebhookDelivery>> GetDelivery(string id, IWebhookDeliveryStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.FindAsync(id, cancellationToken) ?? throw new NotFoundException("webhook delivery", id));
}

/// <summary>A configured webhook receiver.</summary>
/// <param name="Name">Its name in the delivery history.</param>
/// <param name="Url">Where events are posted.</param>
/// <param name="Events">The event types it gets, or ["*"].</param>
public sealed record WebhookEndpointResponse(string Name, string Url, IReadOnlyList<string> Events);
