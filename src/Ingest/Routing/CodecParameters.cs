using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Broadcast.Ingest.Routing;

/// <summary>Helpers for codec parameter maps whose values are <see cref="long"/>, <see cref="double"/> or <see cref="string"/>.</summary>
public static class CodecParameters
{
    public static readonly IReadOnlyDictionary<string, object> Empty = new Dictionary<string, object>();

    public static IReadOnlyDictionary<string, object> Of(params (string Key, object Value)[] entries)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            map[key] = Normalize(value);
        }

        return map;
    }

    /// <summary>The integer value of <paramref name="key"/>, accepting numeric strings, else <paramref name="fallback"/>.</summary>
    public static long GetInteger(IReadOnlyDictionary<string, object> parameters, string key, long fallback) =>
        parameters.TryGetValue(key, out var value) switch
        {
            false => fallback,
            true when value is long l => l,
            true when value is double d => (long)d,
            true when value is string s && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => fallback,
        };

    public static string? GetString(IReadOnlyDictionary<string, object> parameters, string key) =>
        parameters.TryGetValue(key, out var value) ? Format(value) : null;

    /// <summary>Merges <paramref name="overrides"/> over <paramref name="baseline"/>.</summary>
    public static IReadOnlyDictionary<string, object> Merge(IReadOnlyDictionary<string, object> baseline,
        IReadOnlyDictionary<string, object> overrides)
    {
        var map = new Dictionary<string, object>(baseline, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            map[key] = value;
        }

        return map;
    }

    public static IReadOnlyDictionary<string, object> With(IReadOnlyDictionary<string, object> parameters, string key, object value)
    {
        var map = new Dictionary<string, object>(parameters, StringComparer.Ordinal) { [key] = Normalize(value) };
        return map;
    }

    /// <summary>Formats the map as an SDP <c>a=fmtp</c> value (<c>key=value;key=value</c>), keys in their given order.</summary>
    public static string ToFmtp(IReadOnlyDictionary<string, object> parameters) =>
        string.Join(';', parameters.Select(p => $"{p.Key}={Format(p.Value)}"));

    public static string Format(object value) => value switch
    {
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        uint u => (long)u,
        long or double or string => value,
        _ => throw new ArgumentException($"Codec parameter values are numbers or strings, not {value.GetType().Name}.", nameof(value)),
    };
}

/// <summary>Reads codec parameter objects as mediasoup does: values must be JSON numbers or strings.</summary>
public sealed class CodecParametersJsonConverter : JsonConverter<IReadOnlyDictionary<string, object>>
{
    public override IReadOnlyDictionary<string, object> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return CodecParameters.Empty;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("parameters must be an object.");
        }

        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.Number when reader.TryGetInt64(out var l) => l,
                JsonTokenType.Number => reader.GetDouble(),
                JsonTokenType.String => reader.GetString()!,
                _ => throw new JsonException($"parameter '{key}' must be a number or a string."),
            };
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in value)
        {
            switch (item)
            {
                case long l: writer.WriteNumber(key, l); break;
                case int i: writer.WriteNumber(key, i); break;
                case double d: writer.WriteNumber(key, d); break;
                default: writer.WriteString(key, CodecParameters.Format(item)); break;
            }
        }

        writer.WriteEndObject();
    }
}
