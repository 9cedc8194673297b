using System.Text.Json;
using System.Text.RegularExpressions;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace Broadcast.Api.Http;

/// <summary>
/// Reads request bodies with <see cref="ApiJson.Options"/>. Every JSON error becomes an
/// <see cref="InvalidFieldException"/> naming the field (rtpParameters.codecs[0].clockRate), so that a bad body never
/// yields a generic binding message.
/// </summary>
public static partial class JsonBody
{
    /// <summary>The JSON path of the whole body, as in ASP.NET's own validation problems.</summary>
    public const string Root = "$";

    /// <summary>Deserializes the body; an empty body or JSON null gives a request with every default.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : new()
    {
        if (request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false } || request.ContentLength == 0)
        {
            return new T();
        }

        // Requiring a JSON media type makes browsers preflight cross-origin calls (no "simple" text/plain POSTs).
        if (!request.HasJsonContentType())
        {
            throw new UnsupportedMediaTypeException(request.ContentType);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Options, request.HttpContext.RequestAborted)
                .ConfigureAwait(false) ?? new T();
        }
        catch (JsonException ex)
        {
            var (field, message) = Describe(ex);
            throw new InvalidFieldException(field, message);
        }
    }

    /// <summary>The field a <see cref="JsonException"/> is about and a message for the client, without .NET internals.</summary>
    public static (string Field, string Message) Describe(JsonException exception)
    {
        var field = FieldOf(exception.Path);
        if (exception is NullListElementException nullElement)
        {
            field = $"{field}[{nullElement.Index}]";
            return (field, $"{field} must not be null.");
        }

        var reason = WithoutPosition(exception.Message);
        if (MissingRequired().Match(reason) is { Success: true } missing)
        {
            field = Join(field, missing.Groups["name"].Value);
            return (field, $"{field} is required.");
        }

        if (reason.Contains("doesn't allow setting null values", StringComparison.Ordinal))
        {
            return (field, $"{field} must not be null.");
        }

        if (NotConvertible().Match(reason) is { Success: true } conversion)
        {
            return (field, $"{field} must be {Expected(conversion.Groups["type"].Value)}.");
        }

        if (exception.InnerException?.GetType().Name == "JsonReaderException")
        {
            return (field, $"The request body is not valid JSON at {field}: {reason}");
        }

        // Converters (e.g. codec parameters) throw messages written for clients.
        return (field, $"{field}: {reason}");
    }

    private static string FieldOf(string? path) => path switch
    {
        null or "" or "$" => Root,
        _ when path.StartsWith("$.", StringComparison.Ordinal) => path[2..],
        _ => path,
    };

    private static string Join(string parent, string name) => parent == Root ? name : $"{parent}.{name}";

    // The serializer appends " Path: $.x | LineNumber: 0 | BytePositionInLine: 8."; the field is reported separately.
    private static string WithoutPosition(string message)
    {
        var index = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (index < 0)
        {
            index = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        return index < 0 ? message : message[..index];
    }

    private static string Expected(string clrType) => clrType switch
    {
        _ when clrType.StartsWith("System.Nullable`1[", StringComparison.Ordinal) => Expected(clrType["System.Nullable`1[".Length..^1]),
        "System.Boolean" => "true or false",
        "System.String" => "a string",
        "System.Byte" or "System.Int16" or "System.UInt16" or "System.Int32" or "System.UInt32" or "System.Int64"
            or "System.UInt64" or "System.Double" or "System.Single" or "System.Decimal" => "a number",
        _ when clrType.Contains("List", StringComparison.Ordinal) || clrType.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    [GeneratedRegex(@"missing required properties including: '(?<name>[^']+)'")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"could not be converted to (?<type>[^\s]+?)\.?$")]
    private static partial Regex NotConvertible();
}

/// <summary>A request body that is not JSON (RFC 9110 §15.5.16).</summary>
public sealed class UnsupportedMediaTypeException(string? contentType)
    : Exception($"The request body must be application/json, not '{contentType}'.");
