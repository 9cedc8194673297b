using Broadcast.Api.Http;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Tests;

/// <summary>Which problem each exception becomes.</summary>
public sealed class ProblemMappingTests
{
    public static TheoryData<Exception, int> Mappings => new()
    {
        { new InvalidFieldException("kind", "kind must be \"audio\" or \"video\"."), 400 },
        { new UnsupportedCodecException("rtpParameters.codecs[0]", "Unsupported codec video/AV1/90000."), 400 },
        { new NotFoundException("router", "cam1"), 404 },
        { new ConflictException("An object with id 'cam1' already exists."), 409 },
        { new UnsupportedMediaTypeException("text/plain"), 415 },
        { new PortsExhaustedException(40000, 40003), 503 },
        { new WorkerTimeoutException(1, TimeSpan.FromSeconds(5)), 503 },
        { new WorkerClosedException(1), 503 },
        { new InvalidOperationException("internal detail"), 500 },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void Each_exception_maps_to_its_status(Exception exception, int status)
    {
        Assert.Equal(status, ApiExceptionHandler.Describe(exception).Status);
    }

    [Fact]
    public void A_field_problem_names_the_field_in_the_detail_and_the_errors_map()
    {
        var problem = ApiExceptionHandler.Describe(new InvalidFieldException("rtpParameters.codecs[0].payloadType", "payloadType must be 0..127."));

        Assert.Equal("rtpParameters.codecs[0].payloadType: payloadType must be 0..127.", problem.Detail);
        var errors = Assert.IsType<Dictionary<string, string[]>>(problem.Extensions["errors"]);
        Assert.Equal(problem.Detail, Assert.Single(errors["rtpParameters.codecs[0].payloadType"]));
    }

    [Fact]
    public void A_media_worker_that_does_not_answer_in_time_is_a_503_naming_the_worker_and_the_wait()
    {
        var problem = ApiExceptionHandler.Describe(new WorkerTimeoutException(2, TimeSpan.FromSeconds(5)));

        Assert.Equal("Media worker busy", problem.Title);
        Assert.Equal("Media worker 2 did not answer within 5 s.", problem.Detail);
    }

    [Fact]
    public void An_unexpected_error_says_nothing_about_internals()
    {
        var problem = ApiExceptionHandler.Describe(new InvalidOperationException("connection string: secret"));

        Assert.DoesNotContain("secret", problem.Detail, StringComparison.Ordinal);
        Assert.False(problem.Extensions.ContainsKey("errors"));
    }
}
