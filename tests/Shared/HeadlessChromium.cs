using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Broadcast.Testing;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket): navigate and evaluate JavaScript.
/// Started with a fresh profile and the flags that keep it off the network; killed with its process tree on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <param name="extraArguments">e.g. the fake camera flags for publisher pages.</param>
    public static async Task<HeadlessChromium> StartAsync(params string[] extraArguments)
    {
        var profile = Directory.CreateTempSubdirectory("broadcast-chromium-").FullName;
        var startInfo = new ProcessStartInfo(ExecutablePath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string[] arguments =
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--autoplay-policy=no-user-gesture-required", $"--user-data-dir={profile}", "--remote-debugging-port=0",
            .. extraArguments, "about:blank",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync()
    {
        // Chromium writes the port it picked into the profile once DevTools listens.
        var portFile = Path.Combine(_profile, "DevToolsActivePort");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException("Chromium did not start its DevTools endpoint.");
            }

            await Task.Delay(50);
        }

        var port = int.Parse((await File.ReadAllLinesAsync(portFile))[0], System.Globalization.CultureInfo.InvariantCulture);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var targets = await http.GetFromJsonAsync<JsonArray>("json/list");
        var page = targets!.First(t => t!["type"]!.GetValue<string>() == "page")!;
        await _socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
    }

    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
    }

    /// <summary>Sets the page's viewport: a desktop window or, with <paramref name="mobile"/>, a phone's screen.</summary>
    public async Task SetViewportAsync(int width, int height, bool mobile = false)
    {
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile,
        });
    }

    /// <summary>Saves the whole page (beyond the viewport) as a PNG.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"Page script failed: {exception.ToJsonString()}");
        }

        return result["result"]?["value"]?.DeepClone();
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        await _sendLock.WaitAsync();
        try
        {
            var id = ++_nextId;
            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var reply = await ReceiveAsync(timeout.Token);
                // Events (no id) and replies to other calls are skipped: calls are made one at a time.
                if (reply["id"]?.GetValue<int>() == id)
                {
                    if (reply["error"] is { } error)
                    {
                        throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
                    }

                    return reply["result"]!;
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<JsonNode> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(chunk, cancellationToken);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(buffer.ToArray()) ?? throw new JsonException("Empty DevTools message.");
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
        catch (TimeoutException)
        {
            // left to the OS
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // a Chromium helper still writing: temp folders are cleaned eventually
        }
    }
}
