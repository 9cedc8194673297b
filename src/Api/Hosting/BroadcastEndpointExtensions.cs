using Broadcast.Api.Endpoints;
using Broadcast.Api.Jobs;
using Broadcast.Api.Metrics;
using Broadcast.Api.Security;
using Broadcast.Api.Signaling;

namespace Broadcast.Api.Hosting;

public static class BroadcastEndpointExtensions
{
    /// <summary>The request pipeline (problem details for errors and bare status codes, CORS, access control, Swagger) and every endpoint.</summary>
    public static WebApplication MapBroadcast(this WebApplication app)
    {
        ForwardedHeadersSetup.Use(app);
        app.UseExceptionHandler();
        app.UseBroadcastMetrics();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseBroadcastSecurity();
        app.UseWebSockets();
        app.UseSwagger();
        app.UseSwaggerUI(o => o.DocumentTitle = "Broadcast API");
        // The browser pages of src/Web (viewer.html with hls.js), copied next to the binaries at build time.
        app.UseStaticFiles();
        app.UseJobDashboard();
        app.MapGet("/", () => Results.Redirect("/viewer.html")).ExcludeFromDescription();
        // The console is a static page; what it shows comes from the admin API, which checks the credential.
        app.MapGet("/admin", (IWebHostEnvironment environment) => Results.File(Path.Combine(environment.WebRootPath, "admin.html"), "text/html; charset=utf-8"))
            .ExcludeFromDescription();

        // Admin routes (BroadcastPolicies.Admin); publishing routes among them also take the channel's publish token.
        var admin = app.MapGroup("").RequireAuthorization(BroadcastPolicies.Admin);
        admin.MapMediasoupApi();
        admin.MapChannelApi();
        admin.MapChannelHlsUrl();
        admin.MapJobApi();
        admin.MapWebhookApi();
        admin.MapApplianceApi();
        app.MapStatsApi();
        app.MapWebRtcConfig();
        app.MapSeedHealth();
        app.MapBroadcastMetrics();
        app.MapHls();
        app.MapSignaling();
        app.MapWhip();
        app.MapWhep();
        return app;
    }
}
