using Broadcast.Api;

// The Broadcast appliance: mediasoup-compatible ingest (REST under /api/v1/mediasoup), HLS output under /hls,
// health at /healthz, stats at /api/v1/stats and Swagger at /swagger.
//
// Listening: as in any ASP.NET Core app (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, --urls); http://0.0.0.0:8080 without them.
// Configuration: appsettings.json documents every key; the seed's environment names (MEDIASOUP_WORKERS,
// MEDIASOUP_LISTEN_IP, MEDIASOUP_ANNOUNCED_IP, MEDIASOUP_MIN_PORT, MEDIASOUP_MAX_PORT, MEDIASOUP_LOG_LEVEL,
// CORS_ORIGIN, JWT_SECRET, API_KEYS, HLS_SIGNING_KEY) override it; command-line arguments override both. Invalid settings stop the start
// with every error listed.
//
// Composition lives in BroadcastApp (AddBroadcast, MapBroadcast) so that tests start exactly this application.
var app = BroadcastApp.Create(args);
await app.RunAsync();
