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
/// files; HLS and work folders unless given) is a temporary folder of its own, <see cref="Folder"/>. The caller's
/// environment (database, cluster settings, a shared HLS root) is laid over the defaults, a null value removing a
/// variable. Appliances on one machine must not share RTP ports: each gets Media__MinPort..MaxPort from a
/// <see cref="TestPorts"/> lease of its own, so a caller that sets them must keep the ranges of its appliances apart.
/// Output (stdout and stderr) is kept in a tail for messages and can be waited for line by line.
/// Disposing kills it with its children and every process still using its folders, and deletes the folder.
/// </summary>
internal sealed class ApplianceProcess : IDisposable
{
    private const int TailLines = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Queue<string> _tail = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly PortLease _ports;
    private Process? _process;
    private string? _workRoot;
    private IReadOnlyList<(int Pid, long StartTime)> _children = [];

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

    /// <summary>Its last lines of output, each tagged with its name, for failure messages.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail.Select(line => $"[{Name}] {line}"));
            }
        }
    }

    /// <summary>Each line of its output as it comes, on a thread-pool thread; a handler must not throw.</summary>
    public event Action<string>? Line;

    /// <summary>
    /// The first line of its output that <paramref name="match"/> accepts, among those still in <see cref="Tail"/> or
    /// to come; throws <see cref="TimeoutException"/> with the tail after <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tail)
        {
            if (_tail.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No line of appliance {Name} matched within {timeout}:{Environment.NewLine}{Tail}");
        }
        finally
        {
            lock (_tail)
            {
                _waiters.RemoveAll(w => w.Found == found);
            }
        }
    }

    /// <summary>
    /// Starts it and returns once its host has started and /healthz answers (within 60 s; fails with the tail if it
    /// exits first). It listens on <paramref name="port"/>, or a free port when null.
    /// </summary>
    public static async Task<ApplianceProcess> StartAsync(string name, IReadOnlyDictionary<string, string?> environment, int? port = null)
    {
        var ports = TestPorts.Lease();
        var folder = Directory.CreateTempSubdirectory($"broadcast-{name}-").FullName;
        var appliance = new ApplianceProcess(name, port ?? FreeTcpPort(), ports, folder);
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

    /// <summary>
    /// SIGKILL to the appliance alone, as a crash: no lease given up, no FFmpeg stopped. Its children (FFmpegs in
    /// sessions of their own) may outlive it, as they would on a real machine; <see cref="KillLeftovers"/> ends them.
    /// </summary>
    public void Kill()
    {
        if (_process is not { } process || process.HasExited)
        {
            return;
        }

        // Once it is dead its children belong to init: remember them while they are still its.
        _children = ChildrenOf(process.Id);
        process.Kill(entireProcessTree: false);
        process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Kills what a killed appliance left running: the children it had when <see cref="Kill"/> ran, and any process
    /// whose command line names its folder or work folder (an FFmpeg started in between reads an SDP file there).
    /// </summary>
    public void KillLeftovers()
    {
        var folders = new[] { Folder, _workRoot }.OfType<string>().Select(f => Path.TrimEndingDirectorySeparator(f) + "/").ToArray();
        foreach (var (pid, _, startTime) in ProcessTable())
        {
            if (pid != Environment.ProcessId && (_children.Contains((pid, startTime)) || NamesAny(CommandLineOf(pid), folders)))
            {
                try
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill(entireProcessTree: true);
                    leftover.WaitForExit(TimeSpan.FromSeconds(10));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception)
                {
                    // exited meanwhile
                }
            }
        }

        _children = [];
    }

    /// <summary>Kills it with its children and leftovers and deletes its folder; again is harmless.</summary>
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

        KillLeftovers();
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

        _workRoot = settings["Hls__WorkRoot"];

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

        // ASP.NET Core's host says "Application started." once every hosted service has started and Kestrel listens.
        var started = WaitForLineAsync(line => line.Contains("Application started.", StringComparison.Ordinal), StartTimeout);
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(started, exited) == exited)
        {
            throw new InvalidOperationException($"Appliance {Name} exited with {process.ExitCode} while starting:{Environment.NewLine}{Tail}");
        }

        await started;
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var health = await probe.GetAsync("healthz");
        if (!health.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Appliance {Name} started but /healthz answered {(int)health.StatusCode}:{Environment.NewLine}{Tail}");
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
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }

            foreach (var (match, found) in _waiters)
            {
                if (match(line))
                {
                    found.TrySetResult(line);
                }
            }
        }

        Line?.Invoke(line);
    }

    // (pid, start time) of the processes whose parent is parentPid; the start time tells one of them from a later
    // process given the same pid.
    private static List<(int Pid, long StartTime)> ChildrenOf(int parentPid) =>
        [.. ProcessTable().Where(p => p.ParentPid == parentPid).Select(p => (p.Pid, p.StartTime))];

    // Every process now, from /proc/<pid>/stat (proc(5)): fields are counted after the last ')', as comm may hold
    // spaces; ppid is the 2nd of them, starttime the 20th.
    private static IEnumerable<(int Pid, int ParentPid, long StartTime)> ProcessTable()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 19
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                yield return (pid, parent, start);
            }
        }
    }

    private static bool NamesAny(string commandLine, string[] folders) =>
        folders.Any(folder => commandLine.Contains(folder, StringComparison.Ordinal));

    // Its arguments joined by spaces (they are NUL-separated), or "" once it has exited.
    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
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
