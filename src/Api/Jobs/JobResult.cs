using System.Text.Json;
using Broadcast.Api.Http;

namespace Broadcast.Api.Jobs;

/// <summary>
/// Job results as the API's JSON (camelCase, every field present) rather than Hangfire's own serializer, which adds
/// type names and leaves zero counts out.
/// </summary>
internal static class JobResult
{
    public static string ToJson<T>(T summary) => JsonSerializer.Serialize(summary, ApiJson.Options);
}
