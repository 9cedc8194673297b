using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Broadcast.Api.Http;

/// <summary>
/// The API's JSON settings: camelCase (the ORTC records carry their own converters), and strict input so that a
/// wrong type is an error naming the field instead of a silent conversion or a crash further down.
/// </summary>
public static class ApiJson
{
    /// <summary>The options request bodies are read with; responses use the same settings.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        // Web defaults read numbers from strings; mediasoup-client never sends "90000" for a clock rate.
        options.NumberHandling = JsonNumberHandling.Strict;
        // null for a non-nullable member (e.g. "codecs": null) is a 400, not a NullReferenceException later.
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { RejectNullListElements } };
        return options;
    }

    /// <summary>Nullable annotations do not cover list elements: "codecs": [null] must be rejected too.</summary>
    private static void RejectNullListElements(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            if (property.Set is not { } set || !IsListOfReferences(property.PropertyType))
            {
                continue;
            }

            property.Set = (target, value) =>
            {
                if (value is IList list)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is null)
                        {
                            throw new NullListElementException(i);
                        }
                    }
                }

                set(target, value);
            };
        }
    }

    private static bool IsListOfReferences(Type type) =>
        type.IsGenericType
        && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IList<>))
        && !type.GetGenericArguments()[0].IsValueType;
}

/// <summary>A list element was JSON null; the serializer sets <see cref="JsonException.Path"/> to the list.</summary>
internal sealed class NullListElementException(int index) : JsonException($"Element {index} must not be null.")
{
    public int Index { get; } = index;
}
