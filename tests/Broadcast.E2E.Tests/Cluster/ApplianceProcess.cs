using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests.Cluster;

/// <summary>
/// The built appliance (src/Api/bin/Release, built by the suite before the tests) in an OS process of its own on
/// loopback, so that a test can kill it with SIGKILL as a crash would. Its working folder (the content root: key and id
/// files) is a temporary folder of its own; its UDP ports come from <see cref="TestPorts"/>; the caller's environment
/// (database, cluster settings, a shared HLS root) is added to the defaults. Output is kept in a tail for messages.
/// Disposing kills it with its children and every FFmpeg reading its work folder, and deletes the folder.
/// </summary>
internal sealed class ApplianceProcess : IDisposable
{
    private const int TailLines = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Queue<string> _tail = new();
    private readonly PortLease _ports;
    private Process? _process;

    private ApplianceProcess(string name, int port, PortLease ports, string folder)
    {
        Name = name;
        Port = port;
        _ports = ports;
        Folder = folder;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        // Tests look at the 307s themselves; Following follows them as WHIP/WHEP clients and hls.js do.
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Following = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>Its content root and work folder.</summary>
    public string Folder { get; }

    /// <summary>Does not follow redirects.</summary>
    public HttpClient Client { get; }

    /// <summary>Follows redirects.</summary>
    public HttpClient Following { get; }

    public bool HasExited => _process is null || _process.HasExited;

    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    /// <summary>Starts it and returns once /healthz answers.</summary>
    public static async Task<ApplianceProcess> StartAsync(string name, IReadOnlyDictionary<string, string?> environment)
    {
        var ports = TestPorts.Lease();
        var folder = Directory.CreateTempSubdirectory($"broadcast-{name}-").FullName;
        var appliance = new ApplianceProcess(name, FreeTcpPort(), ports, folder);
        try
        {
            await appliance.RunAsync(environment);
            return appliance;
        }
        catch
        {
            appliance.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL to the appliance alone, as a crash: no lease given up, no FFmpeg stopped.</summary>
    public void Kill()
    {
        _process?.Kill(entireProcessTree: false);
        _process?.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
            {
                // exited already
            }

            process.Dispose();
            _process = null;
        }

        KillLeftoverFfmpegs();
        Client.Dispose();
        Following.Dispose();
        _ports.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // the OS cleans temporary folders eventually
        }
    }

    private async Task RunAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Folder,
        };
        startInfo.ArgumentList.Add(ApplianceDll);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = BaseAddress.GetLeftPart(UriPartial.Authority),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
            ["Media__Workers"] = "1",
            ["Media__ListenIp"] = "127.0.0.1",
            ["Media__MinPort"] = _ports.MinPort.ToString(CultureInfo.InvariantCulture),
            ["Media__MaxPort"] = _ports.MaxPort.ToString(CultureInfo.InvariantCulture),
            ["Hls__Root"] = Path.Combine(Folder, "hls"),
            ["Hls__WorkRoot"] = Path.Combine(Folder, "run"),
            ["Jobs__CleanupCron"] = "0 0 1 1 *",
            ["Jobs__RetentionCron"] = "0 0 1 1 *",
            ["Api__RateLimit__RequestsPerSecond"] = "0",
            // Admin routes open to loopback, whatever the calling shell has set.
            ["JWT_SECRET"] = null,
            ["API_KEYS"] = null,
            ["ConnectionStrings__Broadcast"] = null,
        };
        foreach (var (key, value) in environment)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Appliance {Name} exited with {process.ExitCode} while starting:{Environment.NewLine}{Tail}");
            }

            try
            {
                using var health = await probe.GetAsync("healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // busy starting
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"Appliance {Name} did not answer /healthz within {StartTimeout}:{Environment.NewLine}{Tail}");
            }

            await Task.Delay(100);
        }
    }

    // FFmpeg runs in a session of its own (setsid) and outlives a killed appliance: find it by the work folder it reads.
    private void KillLeftoverFfmpegs()
    {
        foreach (var leftover in Broadcast.Transcode.FfmpegProcessTable.Find(Path.Combine(Folder, "run")))
        {
            try
            {
                using var ffmpeg = Process.GetProcessById(leftover.ProcessId);
                ffmpeg.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // exited meanwhile
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue($"[{Name}] {line}");
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    private static string ApplianceDll
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Broadcast.sln")))
            {
                folder = folder.Parent;
            }

            var dll = folder is null ? null : Path.Combine(folder.FullName, "src", "Api", "bin", "Release", "net10.0", "Broadcast.Api.dll");
            return dll is not null && File.Exists(dll)
                ? dll
                : throw new InvalidOperationException("The built appliance (src/Api/bin/Release/net10.0/Broadcast.Api.dll) is missing: build the solution in Release first (scripts/test.sh does).");
        }
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
