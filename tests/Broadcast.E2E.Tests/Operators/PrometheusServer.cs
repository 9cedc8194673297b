using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests.Operators;

/// <summary>
/// A real Prometheus (Debian's package) with a throwaway data folder, scraping one target every second, its web API on
/// a port of this test process's range. Killed and its folder removed in Dispose.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly PortLease _port;
    private readonly string _folder;
    private readonly System.Text.StringBuilder _log = new();

    private PrometheusServer(Process process, PortLease port, string folder)
    {
        _process = process;
        _port = port;
        _folder = folder;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.MinPort.ToString(CultureInfo.InvariantCulture)}/") };
    }

    public HttpClient Client { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping http://<paramref name="target"/><paramref name="metricsPath"/> and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, string metricsPath = "/metrics")
    {
        var folder = Directory.CreateTempSubdirectory("broadcast-prometheus-").FullName;
        var port = TestPorts.Lease();
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: broadcast
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ['{target}']
            """);
        var startInfo = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])[$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                     $"--web.listen-address=127.0.0.1:{port.MinPort.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        var server = new PrometheusServer(Process.Start(startInfo)!, port, folder);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginErrorReadLine();
        server._process.BeginOutputReadLine();
        try
        {
            await E2EWait.ForAsync(async () =>
            {
                Assert.False(server._process.HasExited, $"Prometheus exited: {server.Log}");
                try
                {
                    using var ready = await server.Client.GetAsync("-/ready");
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "Prometheus to be ready");
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>An instant query through Prometheus' HTTP API: the result vector (metric labels and value of each series).</summary>
    public async Task<IReadOnlyList<(JsonObject Labels, double Value)>> QueryAsync(string promQl)
    {
        var answer = (await Client.GetFromJsonAsync<JsonNode>($"api/v1/query?query={Uri.EscapeDataString(promQl)}"))!;
        Assert.Equal("success", answer["status"]!.GetValue<string>());
        return [.. answer["data"]!["result"]!.AsArray().Select(r => (r!["metric"]!.AsObject(),
            double.Parse(r["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture)))];
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        Client.Dispose();
        _port.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
