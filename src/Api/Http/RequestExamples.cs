using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Broadcast.Api.Http;

/// <summary>An example request body shown in the OpenAPI document and the Swagger UI.</summary>
public sealed record RequestExample(string Json);

public static class RequestExampleExtensions
{
    /// <summary>Declares the JSON body type (bodies are read by <see cref="JsonBody"/>, not bound) and an example of it.</summary>
    public static RouteHandlerBuilder AcceptsJson<TRequest>(this RouteHandlerBuilder builder, string exampleJson)
        where TRequest : notnull =>
        builder.Accepts<TRequest>(isOptional: true, "application/json").WithMetadata(new RequestExample(exampleJson));
}

/// <summary>Puts each endpoint's <see cref="RequestExample"/> into its request body in the OpenAPI document.</summary>
public sealed class RequestExampleOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var example = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequestExample>().FirstOrDefault();
        if (example is null || operation.RequestBody?.Content is not { } content)
        {
            return;
        }

        foreach (var mediaType in content.Values.OfType<OpenApiMediaType>())
        {
            mediaType.Example = JsonNode.Parse(example.Json);
        }
    }
}
