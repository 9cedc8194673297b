using System.Text;
using Broadcast.Api.WebRtc;
using Broadcast.Ingest.Routing;

namespace Broadcast.Api.Http;

/// <summary>
/// What WHIP (RFC 9725) and WHEP share over HTTP: the offer read as application/sdp with a size cap, 201 with the
/// answer and Location, CORS for players and publishers on other origins (access is a token or the channel's viewing
/// rule, never the origin), the OPTIONS preflight with Accept-Post, and the 405 for PATCH (no trickle ICE).
/// </summary>
public static class SdpExchange
{
    public const string ContentType = "application/sdp";
    private const int MaxOfferBytes = 64 * 1024;

    /// <summary>True when the request's Content-Type is application/sdp (parameters ignored).</summary>
    public static bool IsSdp(HttpRequest request) =>
        string.Equals(request.ContentType?.Split(';')[0].Trim(), ContentType, StringComparison.OrdinalIgnoreCase);

    public static IResult UnsupportedMediaType(string what) =>
        Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
            detail: $"A {what} offer is sent as application/sdp.");

    /// <summary>The offer's text; longer than 64 KiB is a field error.</summary>
    public static async Task<string> ReadOfferAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[MaxOfferBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, request.HttpContext.RequestAborted);
        if (read > MaxOfferBytes)
        {
            throw new InvalidFieldException("sdp", $"The offer is larger than {MaxOfferBytes} bytes.");
        }

        return new string(buffer, 0, read);
    }

    /// <summary>The configured STUN and TURN servers as Link headers (RFC 9725 §4.6), TURN credentials minted now.</summary>
    public static void AddIceServerLinks(HttpContext context)
    {
        var links = context.RequestServices.GetRequiredService<IceServerDirectory>().LinkHeaders().ToArray();
        if (links.Length > 0)
        {
            context.Response.Headers.Link = links;
        }
    }

    /// <summary>201 with the answer and the session's URL in Location.</summary>
    public static IResult Created(string location, string answer) =>
        new CreatedSdp(location, Results.Text(answer, ContentType, Encoding.UTF8, StatusCodes.Status201Created));

    public static void AddCors(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowMethods = "POST, PATCH, DELETE, OPTIONS";
        response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, If-Match";
        response.Headers.AccessControlExposeHeaders = "Location, ETag, Link";
    }

    public static IResult Preflight(HttpContext context)
    {
        AddCors(context.Response);
        context.Response.Headers["Accept-Post"] = ContentType;
        return Results.NoContent();
    }

    public static IResult TrickleNotSupported(HttpContext context)
    {
        AddCors(context.Response);
        context.Response.Headers.Allow = "DELETE, OPTIONS";
        return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Trickle ICE not supported",
            detail: "Send all candidates in the offer; ICE restarts need a new session.");
    }

    private sealed class CreatedSdp(string location, IResult body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return body.ExecuteAsync(httpContext);
        }
    }
}
