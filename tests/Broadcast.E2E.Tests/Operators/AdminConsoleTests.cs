using System.Net;
using System.Net.Sockets;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests.Operators;

/// <summary>
/// The admin console (/admin) in headless Chromium on the embedded default (loopback needs no credential): a live channel
/// with a picture that changes as segments come, a camera that cannot be reached, a channel created and deleted through
/// the page. Screenshots are kept in TestResults/screenshots of the repository.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class AdminConsoleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:ActivityInterval"] = "00:00:01" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_console_shows_live_and_failing_channels_with_pictures_and_creates_and_deletes_a_channel()
    {
        var live = await PlainRtpChannel.CreateAsync(_host, "console-live", "video/H264");
        using var publisher = live.StartPublisher("h264");
        var closedPort = ClosedTcpPort();
        using (var camera = await _host.Client.PostAsync("api/v1/channels", new StringContent(
            $$"""{ "channel_id": "console-gate", "rtsp": { "url": "rtsp://127.0.0.1:{{closedPort}}/cam" } }""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, camera.StatusCode);
        }

        await using var chromium = await HeadlessChromium.StartAsync();
        await chromium.SetViewportAsync(1280, 900);
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, "admin"));
        await E2EWait.ForAsync(async () => await JsAsync<bool>(chromium, "!!(window.consoleState && window.consoleState.refreshes > 0)"), "the console's first refresh");
        Assert.True(await JsAsync<bool>(chromium, "window.consoleState.signedIn"));

        // The live channel's picture, then a later one: the thumbnail follows the segments.
        var first = await SegmentShownAsync(chromium, "console-live", previous: null);
        await E2EWait.ForAsync(async () => await JsAsync<string>(chromium, Badge("console-gate")) == "unreachable", "the camera to be shown unreachable");
        Assert.Contains("bad", await JsAsync<string>(chromium, $"document.querySelector('[data-channel=\"console-gate\"] .badge').className"), StringComparison.Ordinal);
        Assert.Equal("publishing", await JsAsync<string>(chromium, Badge("console-live")));
        Assert.Contains("kbit/s", await JsAsync<string>(chromium, "document.querySelector('[data-channel=\"console-live\"] dl').textContent"), StringComparison.Ordinal);
        await chromium.ScreenshotAsync(Screenshot("admin-channels.png"));
        var later = await SegmentShownAsync(chromium, "console-live", previous: first);
        await chromium.ScreenshotAsync(Screenshot("admin-channels-later.png"));
        output.WriteLine($"thumbnail segments: {first} then {later}");

        // A publisher channel made through the form, then deleted with the card's two-click button.
        await JsAsync<bool>(chromium, """
            (() => {
              document.getElementById('new-channel').click();
              document.getElementById('create-id').value = 'console-made';
              const source = document.getElementById('create-source');
              source.value = 'webrtc';
              source.dispatchEvent(new Event('change'));
              document.querySelector('#create button:not([type])').click();
              return true;
            })()
            """);
        await E2EWait.ForAsync(async () => await JsAsync<bool>(chromium, "!!document.querySelector('[data-channel=\"console-made\"]')"), "the new channel's card");
        using (var made = await _host.Client.GetAsync("api/v1/channels/console-made"))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        Assert.Contains("Publish token of console-made", await JsAsync<string>(chromium, "document.getElementById('toast').textContent"), StringComparison.Ordinal);
        await JsAsync<bool>(chromium, "(document.querySelector('[data-channel=\"console-made\"] .delete').click(), true)");
        await JsAsync<bool>(chromium, "(document.querySelector('[data-channel=\"console-made\"] .delete').click(), true)");
        await E2EWait.ForAsync(async () =>
        {
            using var gone = await _host.Client.GetAsync("api/v1/channels/console-made");
            return gone.StatusCode == HttpStatusCode.NotFound;
        }, "the channel to be deleted");
        await E2EWait.ForAsync(async () => await JsAsync<bool>(chromium, "!document.querySelector('[data-channel=\"console-made\"]')"), "its card to go");

        // The camera edited through its card: a new address, saved with PUT, dialled at once.
        var movedPort = ClosedTcpPort();
        await JsAsync<bool>(chromium, $$"""
            (() => {
              document.querySelector('[data-channel="console-gate"] .edit').click();
              document.getElementById('create-url').value = 'rtsp://127.0.0.1:{{movedPort}}/moved';
              document.querySelector('#create button:not([type])').click();
              return true;
            })()
            """);
        await E2EWait.ForAsync(async () =>
        {
            var gate = await _host.Client.GetStringAsync("api/v1/channels/console-gate");
            return gate.Contains($"127.0.0.1:{movedPort}/moved", StringComparison.Ordinal);
        }, "the camera's new address");
        await E2EWait.ForAsync(async () => (await JsAsync<string>(chromium, "document.querySelector('[data-channel=\"console-gate\"] dl').textContent"))
            .Contains($"{movedPort}/moved", StringComparison.Ordinal), "the card to show the new address");

        // The same page on a phone.
        await chromium.SetViewportAsync(390, 844, mobile: true);
        await chromium.ScreenshotAsync(Screenshot("admin-phone.png"));
        Assert.Empty((await chromium.EvaluateAsync("window.consoleState.errors"))!.AsArray());
    }

    [Fact]
    public async Task With_credentials_configured_the_console_asks_for_an_API_key_and_works_with_it()
    {
        const string key = "console-test-api-key-0123456789";
        await using var secured = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:ApiKeys"] = key });
        using (var defined = await secured.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/v1/channels")
        {
            Content = new StringContent("""{ "channel_id": "console-secured", "source": "webrtc" }""", System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", key } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, defined.StatusCode);
        }

        await using var chromium = await HeadlessChromium.StartAsync();
        await chromium.NavigateAsync(new Uri(secured.BaseAddress, "admin"));
        await E2EWait.ForAsync(async () => await JsAsync<bool>(chromium, "!!document.getElementById('sign-in') && !document.getElementById('sign-in').hidden"),
            "the sign-in form");
        Assert.False(await JsAsync<bool>(chromium, "window.consoleState.signedIn"));

        await JsAsync<bool>(chromium, "(document.getElementById('credential').value = 'not-the-key-0123456789', document.querySelector('#sign-in-form button').click(), true)");
        await E2EWait.ForAsync(async () => await JsAsync<string>(chromium, "document.getElementById('sign-in-error').textContent") == "this credential was refused",
            "the wrong key to be refused");
        Assert.False(await JsAsync<bool>(chromium, "window.consoleState.signedIn"));
        await JsAsync<bool>(chromium, $"(document.getElementById('credential').value = '{key}', document.querySelector('#sign-in-form button').click(), true)");
        await E2EWait.ForAsync(async () => await JsAsync<bool>(chromium, "!!document.querySelector('[data-channel=\"console-secured\"]')"), "the channels behind the key");
        Assert.True(await JsAsync<bool>(chromium, "window.consoleState.signedIn"));
        Assert.True(await JsAsync<bool>(chromium, "!document.getElementById('sign-out').hidden"));
    }

    private static string Badge(string channel) => $"(document.querySelector('[data-channel=\"{channel}\"] .badge') || {{}}).textContent || ''";

    // Waits until the card shows a picture of a segment other than previous; returns that segment.
    private static async Task<string> SegmentShownAsync(HeadlessChromium chromium, string channel, string? previous)
    {
        string shown = "";
        await E2EWait.ForAsync(async () =>
        {
            shown = await JsAsync<string>(chromium, $$"""
                (() => {
                  const image = document.querySelector('[data-channel="{{channel}}"] img.picture');
                  return image && image.complete && image.naturalWidth > 0 ? (image.dataset.segment || '') : '';
                })()
                """);
            return shown.Length > 0 && shown != previous;
        }, previous is null ? "the channel's picture" : "a newer picture");
        return shown;
    }

    private static async Task<T> JsAsync<T>(HeadlessChromium chromium, string expression) =>
        (await chromium.EvaluateAsync(expression))!.GetValue<T>();

    private static string Screenshot(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Broadcast.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots", name);
    }

    private static int ClosedTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
