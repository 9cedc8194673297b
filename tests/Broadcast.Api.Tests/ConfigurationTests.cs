using System.Collections;
using System.Net;
using Broadcast.Api.Logging;
using Broadcast.Api.Options;
using Broadcast.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broadcast.Api.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void The_seeds_environment_names_map_onto_typed_option_keys()
    {
        var environment = new Hashtable
        {
            ["MEDIASOUP_WORKERS"] = "3",
            ["MEDIASOUP_LISTEN_IP"] = "10.0.0.2",
            ["MEDIASOUP_ANNOUNCED_IP"] = "203.0.113.5",
            ["MEDIASOUP_MIN_PORT"] = "41000",
            ["MEDIASOUP_MAX_PORT"] = "41999",
            ["MEDIASOUP_LOG_LEVEL"] = "warn",
            ["CORS_ORIGIN"] = "https://a.example,https://b.example",
            ["JWT_SECRET"] = "s3cret",
            ["BROADCAST_SECRET_KEY"] = "a passphrase of some length",
            ["API_KEYS"] = "key-one,key-two",
            ["HLS_SIGNING_KEY"] = "signing",
            ["STUN_URLS"] = "stun:stun.example.com:3478",
            ["TURN_URLS"] = "turn:turn.example.com:3478",
            ["TURN_SECRET"] = "turn secret",
            ["UNRELATED"] = "x",
        };
        var config = new ConfigurationBuilder().Add(new StaticSource(new SeedEnvironmentConfigurationProvider(environment))).Build();

        Assert.Equal("3", config["Media:Workers"]);
        Assert.Equal("10.0.0.2", config["Media:ListenIp"]);
        Assert.Equal("203.0.113.5", config["Media:AnnouncedIp"]);
        Assert.Equal("41000", config["Media:MinPort"]);
        Assert.Equal("41999", config["Media:MaxPort"]);
        Assert.Equal("warn", config["Api:LogLevel"]);
        Assert.Equal("https://a.example,https://b.example", config["Api:CorsOrigins"]);
        Assert.Equal("s3cret", config["Api:JwtSecret"]);
        Assert.Equal("a passphrase of some length", config["State:SecretKey"]);
        Assert.Equal("key-one,key-two", config["Api:ApiKeys"]);
        Assert.Equal("signing", config["Api:HlsSigningKey"]);
        Assert.Equal("stun:stun.example.com:3478", config["IceServers:StunUrls"]);
        Assert.Equal("turn:turn.example.com:3478", config["IceServers:TurnUrls"]);
        Assert.Equal("turn secret", config["IceServers:TurnSecret"]);
        Assert.Equal(14, config.AsEnumerable().Count(kv => kv.Value is not null));
    }

    [Fact]
    public void The_seeds_names_override_environment_keys_but_not_the_command_line()
    {
        var builder = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(["--Media:Workers=1"]);

        builder.AddSeedEnvironmentNames();

        var kinds = builder.Sources.Select(s => s.GetType()).ToList();
        Assert.Equal(
            [typeof(EnvironmentVariablesConfigurationSource), typeof(SeedEnvironmentConfigurationSource), typeof(CommandLineConfigurationSource)],
            kinds);
    }

    [Fact]
    public async Task The_configuration_files_are_read_once_so_nothing_watches_the_folders_ffmpeg_writes_to()
    {
        await using var app = BroadcastApp.Create([]);

        var files = ((IConfigurationRoot)app.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, file.Source.Path));
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("verbose", null)]
    [InlineData("", null)]
    public void The_seeds_log_level_names_map_to_dotnet_levels(string name, LogLevel? expected)
    {
        Assert.Equal(expected, ApiOptions.ParseLogLevel(name));
    }

    [Fact]
    public void The_api_options_validator_reports_every_error()
    {
        var options = new ApiOptions { LogLevel = "loud", CorsOrigins = "https://ok.example, ftp://files.example, https://x.example/path" };

        var result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("MEDIASOUP_LOG_LEVEL", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("ftp://files.example", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("https://x.example/path", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("https://console.example, http://localhost:3000")]
    public void Valid_cors_origins_pass(string origins)
    {
        Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions { CorsOrigins = origins }).Succeeded);
    }

    [Fact]
    public async Task Starting_with_invalid_settings_fails_listing_every_error_at_once()
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Media:MinPort"] = "5",
            ["Media:ListenIp"] = "not-an-ip",
            ["Api:LogLevel"] = "loud",
            ["Hls:Root"] = " ",
            ["ConnectionStrings:Broadcast"] = "Hots=db;Password=hunter2",
            ["State:SecretKey"] = "hunter2",
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BroadcastHost.StartAsync(overrides));

        var message = error.ToString();
        Assert.Contains("MEDIASOUP_MIN_PORT", message, StringComparison.Ordinal);
        Assert.Contains("MEDIASOUP_LISTEN_IP", message, StringComparison.Ordinal);
        Assert.Contains("MEDIASOUP_LOG_LEVEL", message, StringComparison.Ordinal);
        Assert.Contains("Hls:Root", message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Broadcast", message, StringComparison.Ordinal);
        Assert.Contains("BROADCAST_SECRET_KEY", message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("debug", true, true)]
    [InlineData("error", false, false)]
    public async Task The_log_level_setting_sets_the_minimum_level(string level, bool debugEnabled, bool informationEnabled)
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:LogLevel"] = level });

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(ApiLog.MediasoupCategory);

        Assert.Equal(debugEnabled, logger.IsEnabled(LogLevel.Debug));
        Assert.Equal(informationEnabled, logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Error));
    }

    [Fact]
    public async Task Configured_media_codecs_replace_the_default_list()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["Media:MediaCodecs:0:mimeType"] = "video/VP8",
            ["Media:MediaCodecs:0:clockRate"] = "90000",
        });

        var router = await host.Client.CreateRouterAsync();

        var mimeTypes = router.GetProperty("rtpCapabilities").GetProperty("codecs").EnumerateArray().Select(c => c.GetProperty("mimeType").GetString());
        Assert.Equal(["video/VP8", "video/rtx"], mimeTypes);
    }

    [Fact]
    public async Task Without_cors_origins_the_api_sends_no_cors_headers()
    {
        await using var host = await BroadcastHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/stats");
        request.Headers.Add("Origin", "https://console.example");

        using var response = await host.Client.SendAsync(request);

        // In the open default a browser page of another origin is not the loopback admin either.
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Configured_cors_origins_may_call_the_api_from_a_browser()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:CorsOrigins"] = "https://console.example" });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"{ApiCalls.Mediasoup}/router");
        preflight.Headers.Add("Origin", "https://console.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var other = new HttpRequestMessage(HttpMethod.Get, $"{ApiCalls.Mediasoup}/router");
        other.Headers.Add("Origin", "https://elsewhere.example");

        using var allowed = await host.Client.SendAsync(preflight);
        using var refused = await host.Client.SendAsync(other);

        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://console.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private sealed class StaticSource(IConfigurationProvider provider) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => provider;
    }
}
