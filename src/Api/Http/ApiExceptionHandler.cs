using Broadcast.Api.Cluster;
using Broadcast.Api.Logging;
using Broadcast.Api.Security;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Routing;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Broadcast.Api.Http;

/// <summary>
/// Turns API misuse into RFC 9457 problem details: a bad field is 400 naming it (detail and an "errors" map), an
/// unknown id 404, a conflict 409, no free port 503, a viewer beyond the limits 503 with Retry-After, and 503 too for a media worker that stopped or did not answer in
/// time. Anything else is a 500 that says nothing about internals.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILoggerFactory loggers, BroadcastAccess access, RedirectGrants? grants = null)
    : IExceptionHandler
{
    private readonly ILogger _logger = loggers.CreateLogger(ApiLog.MediasoupCategory);

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
        {
            return true; // the client left; there is nobody to answer
        }

        var problem = Describe(exception);
        if (exception is OwnedElsewhereException elsewhere)
        {
            // WHIP and WHEP clients and fetch() follow a 307 with the same method and body, but not with the
            // Authorization header to another origin: what the credential proved here goes along as a grant.
            var location = elsewhere.LocationFor(http.Request);
            var proved = access.CheckAdmin(http) is null ? RedirectGrant.Admin
                : http.Features.Get<PublisherGrant>() is not null ? RedirectGrant.Publisher
                : (RedirectGrant?)null;
            http.Response.Headers.Location = grants is not null && proved is { } grant
                ? RedirectGrants.WithGrant(location, grants.Issue(http.Request, grant))
                : location;
        }
        else if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            _logger.RequestFailed(exception, http.Request.Method, http.Request.Path);
        }
        else
        {
            _logger.RequestRejected(http.Request.Method, http.Request.Path, problem.Status ?? 0, problem.Detail ?? "");
        }

        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (exception is ViewerLimitException)
        {
            http.Response.Headers.RetryAfter = ((int)ViewerLimitException.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    /// <summary>The problem an exception stands for.</summary>
    public static ProblemDetails Describe(Exception exception) => exception switch
    {
        OwnedElsewhereException e => Redirect(e),
        InvalidFieldException e => FieldProblem("Invalid field", e.Field, e.Message),
        UnsupportedCodecException e => FieldProblem("Unsupported codec", e.Field, e.Message),
        NotFoundException e => Problem(StatusCodes.Status404NotFound, "Not found", e.Message),
        ConflictException e => Problem(StatusCodes.Status409Conflict, "Conflict", e.Message),
        TransportCannotConsumeException e => Problem(StatusCodes.Status409Conflict, "Transport cannot consume", e.Message),
        PortsExhaustedException e => Problem(StatusCodes.Status503ServiceUnavailable, "No free port", e.Message),
        UnsupportedMediaTypeException e => Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", e.Message),
        BadHttpRequestException e => Problem(e.StatusCode, "Bad request", e.Message),
        AccessRefusedException e => Problem(e.Refusal.Status, e.Refusal.Title, e.Refusal.Detail),
        WorkerTimeoutException e => Problem(StatusCodes.Status503ServiceUnavailable, "Media worker busy", e.Message),
        ViewerLimitException e => Problem(StatusCodes.Status503ServiceUnavailable, "Viewer limit reached", e.Message),
        WorkerClosedException e => Problem(StatusCodes.Status503ServiceUnavailable, "Media worker stopped", e.Message),
        _ => Problem(StatusCodes.Status500InternalServerError, "Internal error", "The server could not complete the request."),
    };

    // The detail names the field even when the media plane's message does not ("payloadType must be 0..127.").
    private static ProblemDetails FieldProblem(string title, string field, string message)
    {
        var detail = message.Contains(field, StringComparison.Ordinal) ? message : $"{field}: {message}";
        var problem = Problem(StatusCodes.Status400BadRequest, title, detail);
        problem.Extensions["errors"] = new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [detail] };
        return problem;
    }

    // The owner's id and base URL ride along for clients that cannot follow a redirect (a signaling WebSocket).
    private static ProblemDetails Redirect(OwnedElsewhereException exception)
    {
        var problem = Problem(StatusCodes.Status307TemporaryRedirect, "On another appliance", exception.Message);
        problem.Extensions["owner"] = new Dictionary<string, string>(StringComparer.Ordinal) { ["id"] = exception.Owner.Id, ["url"] = exception.Owner.Url };
        return problem;
    }

    private static ProblemDetails Problem(int status, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail };
}
