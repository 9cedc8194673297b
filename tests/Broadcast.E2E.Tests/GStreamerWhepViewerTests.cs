using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// A WHEP player built like GStreamer's whepsrc (Viewers/whep_gst.py: webrtcbin, max-bundle, recvonly audio then
/// video) watches a plain RTP channel: its video section comes at port 0 with a=bundle-only, and must be served.
/// </summary>
public sealed class GStreamerWhepViewerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan PlayerTimeout = TimeSpan.FromSeconds(30);

    private BroadcastHost _host = null!;

    // libnice pairs none of its host candidates with a loopback one: the appliance listens everywhere and announces
    // this machine's own address, as it would on a network.
    public async Task InitializeAsync() =>
        _host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Media:ListenIp"] = "0.0.0.0" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_GStreamer_WHEP_player_with_max_bundle_decodes_the_channels_video_and_audio()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "whep-gstreamer", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the publisher's first packets");

        var (exitCode, lines, errors) = await RunPlayerAsync(new Uri(_host.BaseAddress, $"whep/{channel.Id}"), frames: 30);

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        if (exitCode != 0)
        {
            output.WriteLine($"player stderr (last lines):{Environment.NewLine}{string.Join(Environment.NewLine, errors.Split('\n').TakeLast(40))}");
        }

        var posted = JsonNode.Parse(lines.First(l => l.Contains("\"status\"", StringComparison.Ordinal)))!;
        Assert.Equal(201, posted["status"]!.GetValue<int>());
        var location = posted["location"]!.GetValue<string>();
        using var session = await _host.Client.GetAsync($"api/v1/mediasoup/transport/{location[(location.LastIndexOf('/') + 1)..]}");
        output.WriteLine($"server transport: {(int)session.StatusCode} {await session.Content.ReadAsStringAsync()}");
        Assert.NotEmpty(lines);
        var result = JsonNode.Parse(lines[^1])!;
        Assert.True(exitCode == 0, $"the player stopped with {exitCode}: {string.Join(" | ", lines)}");
        Assert.True(result["videoFrames"]!.GetValue<int>() >= 30);
        Assert.True(result["audioBuffers"]!.GetValue<int>() > 0);
        Assert.Equal((640, 360), (result["width"]!.GetValue<int>(), result["height"]!.GetValue<int>()));
    }

    /// <summary>Runs the player until it has decoded <paramref name="frames"/> frames (exit 0) or gives up; returns its exit code and output lines.</summary>
    private static async Task<(int ExitCode, List<string> Lines, string Errors)> RunPlayerAsync(Uri url, int frames)
    {
        var startInfo = new ProcessStartInfo("/usr/bin/python3")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Viewers", "whep_gst.py"), "--url", url.ToString(),
            "--frames", frames.ToString(CultureInfo.InvariantCulture), "--timeout", PlayerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("python3 did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        // The player stops itself at its own timeout; this one only guards against a hang.
        using var guard = new CancellationTokenSource(PlayerTimeout + TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return (process.ExitCode, lines, await stderr);
    }
}
