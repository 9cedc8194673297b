using Broadcast.Api.Endpoints;

namespace Broadcast.Api.Hosting;

public static class BroadcastEndpointExtensions
{
    /// <summary>The request pipeline (problem details for errors and bare status codes, CORS, Swagger) and every endpoint.</summary>
    public static WebApplication MapBroadcast(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseSwagger();
        app.UseSwaggerUI(o => o.DocumentTitle = "Broadcast API");

        app.MapMediasoupApi();
        app.MapChannelApi();
        app.MapStatsApi();
        app.MapHls();
        return app;
    }
}
