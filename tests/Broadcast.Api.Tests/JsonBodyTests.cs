using System.Text.Json;
using Broadcast.Api.Contracts;
using Broadcast.Api.Http;

namespace Broadcast.Api.Tests;

/// <summary>How serializer errors become a field and a message for the client.</summary>
public sealed class JsonBodyTests
{
    [Theory]
    [InlineData("""{ "port": "5004" }""", "port", "port must be a number.")]
    [InlineData("""{ "port": true }""", "port", "port must be a number.")]
    [InlineData("""{ "ip": 1 }""", "ip", "ip must be a string.")]
    [InlineData("""{ "ip": "127.0.0.1", "rtcpPort": [] }""", "rtcpPort", "rtcpPort must be a number.")]
    public void A_wrong_json_type_names_the_field_and_the_expected_type(string json, string field, string message)
    {
        Assert.Equal((field, message), Describe<ConnectTransportRequest>(json));
    }

    [Theory]
    [InlineData("""{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/VP8", "payloadType": 96 } ] } }""",
        "rtpParameters.codecs[0].clockRate", "rtpParameters.codecs[0].clockRate is required.")]
    [InlineData("""{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": null, "payloadType": 96, "clockRate": 90000 } ] } }""",
        "rtpParameters.codecs[0].mimeType", "rtpParameters.codecs[0].mimeType must not be null.")]
    [InlineData("""{ "kind": "video", "rtpParameters": { "encodings": [ { "ssrc": 1 }, null ] } }""",
        "rtpParameters.encodings[1]", "rtpParameters.encodings[1] must not be null.")]
    [InlineData("""{ "kind": "video", "rtpParameters": { "headerExtensions": null } }""",
        "rtpParameters.headerExtensions", "rtpParameters.headerExtensions must not be null.")]
    [InlineData("""{ "kind": "video", "rtpParameters": { "codecs": [ { "mimeType": "video/VP8", "payloadType": 96, "clockRate": 1, "parameters": { "a": [] } } ] } }""",
        "rtpParameters.codecs[0].parameters", "rtpParameters.codecs[0].parameters: parameter 'a' must be a number or a string.")]
    public void Errors_deep_in_rtpParameters_name_the_json_path(string json, string field, string message)
    {
        Assert.Equal((field, message), Describe<CreateProducerRequest>(json));
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("{ \"kind\": ")]
    [InlineData("{ 'kind': 'video' }")]
    public void Malformed_json_is_reported_as_not_json_without_positions(string json)
    {
        var (field, message) = Describe<CreateProducerRequest>(json);

        Assert.StartsWith("The request body is not valid JSON at ", message, StringComparison.Ordinal);
        Assert.Contains(field, message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_of_the_wrong_shape_names_the_root()
    {
        Assert.Equal(("$", "$ must be an object."), Describe<CreateProducerRequest>("[]"));
    }

    private static (string Field, string Message) Describe<T>(string json)
    {
        var error = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<T>(json, ApiJson.Options));
        return JsonBody.Describe(error);
    }
}
