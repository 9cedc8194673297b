using Broadcast.Api.Endpoints;
using Broadcast.Api.Jobs;
using Broadcast.Api.Signaling;

namespace Broadcast.Api.Hosting;

public static class BroadcastEndpointExtensions
{
    /// <summary>The request pipeline (problem details for errors and bare status codes, CORS, Swagger) and every endpoint.</summary>
    public static WebApplication MapBroadcast(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseWebSockets();
        app.UseSwagger();
        app.UseSwaggerUI(o => o.DocumentTitle = "Broadcast API");
        // The browser pages of src/Web (viewer.html with hls.js), copied next to the binaries at build time.
        app.UseStaticFiles();
        app.UseJobDashboard();
        app.MapGet("/", () => Results.Redirect("/viewer.html")).ExcludeFromDescription();

        app.MapMediasoupApi();
        app.MapChannelApi();
        app.MapStatsApi();
        app.MapHls();
        app.MapSignaling();
        app.MapWhip();
        app.MapJobApi();
        return app;
    }
}
